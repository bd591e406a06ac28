#!/usr/bin/python3
"""Documents for the desk's browser test, dated around the given day (default today in JST: the
page cannot choose the visit date) and naming the simulator's fixed holder 1001
(06139992 / 1001 / 1001 / 00), so that the online confirmation finds them. Drawn with the
documents corpus generator (tests/documents/generate_corpus.py)."""
import argparse
import datetime
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "documents"))
import generate_corpus as g  # noqa: E402


def holder_1001():
    p = g.Person()
    p.name, p.kana, p.sex = "山田 太郎", "ヤマダ タロウ", "male"
    p.birth = "1985-04-12"
    p.address = "東京都千代田区霞が関1-2-2"
    p.relationship = "self"
    p.insurer, p.insurer_name = "06139992", "窓口健康保険組合"
    p.issuer = p.insurer_name
    p.symbol, p.number, p.branch = "1001", "1001", "00"
    p.householder = None
    p.scheme, p.copay, p.age70 = "kumiai", 30, False
    p.qualification = "2015-04-01"
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--today", help="YYYY-MM-DD, the visit date (default: today in JST)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    jst = datetime.timezone(datetime.timedelta(hours=9))
    today = (datetime.date.fromisoformat(a.today) if a.today
             else datetime.datetime.now(jst).date())
    day = lambda n: (today + datetime.timedelta(days=n)).isoformat()
    rng = random.Random(9)
    p = holder_1001()
    # 資格確認書, valid from a month ago for a year.
    cert = os.path.join(a.out, "certificate.pdf")
    g.certificate(cert, p, {"date_style": "era", "fw": False, "spaced": False,
                            "valid_from": day(-30), "valid_until": day(335),
                            "issued": day(-40)}, rng)
    # The same certificate scanned (200 dpi, skewed, noisy), as a desk's scanner saves it.
    g.make_scan(cert, os.path.join(a.out, "certificate_scan"), rng, "png")
    # 医療保険の資格情報 (Mynaportal PDF) saved yesterday: not enough on its own at the counter.
    g.mynaportal(os.path.join(a.out, "mynaportal.pdf"), p,
                 {"layout": "table", "spaced": True, "date_style": "greg", "fw": False,
                  "saved": day(-1), "copay_until": day(200)}, rng)


if __name__ == "__main__":
    sys.exit(main())
