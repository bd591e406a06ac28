#!/usr/bin/python3
"""Generates the documents test corpus: PDFs in the layouts of the MHLW flyer, a ground-truth
JSON per document, scans made from some of them, and bad inputs.

Run with Debian's /usr/bin/python3 (python3-reportlab, python3-pil, python3-numpy, poppler-utils,
fonts-ipaexfont). Deterministic for a given --seed: reportlab writes invariant PDFs and every
random choice comes from one random.Random(seed).

    /usr/bin/python3 generate_corpus.py --out DIR [--seed 6] [--scans 12]

Writes DIR/manifest.json: {"documents": [ground truth...], "bad": [{"file", "error"}...]}.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.lib import pdfencrypt

GOTHIC = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
MINCHO = "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
pdfmetrics.registerFont(TTFont("Gothic", GOTHIC))
pdfmetrics.registerFont(TTFont("Mincho", MINCHO))

VISIT = "2026-01-20"  # default visit date of the corpus

# ---------------------------------------------------------------------------------------------
# Values


def check_digit(body):
    """MHLW 保険者番号 check digit (DESIGN §2): weights 2,1,2,1... from the right."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return str((10 - total % 10) % 10)


def insurer_number(rng, law, pref):
    body = (law + pref if law else pref) + "%03d" % rng.randrange(1, 999)
    return body + check_digit(body)


FW = str.maketrans("0123456789", "０１２３４５６７８９")


def fullwidth(s):
    return s.translate(FW)


ERAS = [("令和", (2019, 5, 1)), ("平成", (1989, 1, 8)), ("昭和", (1926, 12, 25)),
        ("大正", (1912, 7, 30))]


def ymd(iso):
    y, m, d = iso.split("-")
    return int(y), int(m), int(d)


def fmt_date(iso, style, fw=False):
    y, m, d = ymd(iso)
    if style == "era" or style == "era_spaced":
        for name, start in ERAS:
            if (y, m, d) >= start:
                ey = y - start[0] + 1
                eys = "元" if ey == 1 else str(ey)
                if style == "era_spaced":
                    s = "%s%2s年%2s月%2s日" % (name, eys, m, d)
                    s = s.replace(" ", "\u3000") if fw else s
                else:
                    s = "%s%s年%d月%d日" % (name, eys, m, d)
                return fullwidth(s) if fw else s
    if style == "slash":
        s = "%04d/%02d/%02d" % (y, m, d)
    else:
        s = "%d年%d月%d日" % (y, m, d)
    return fullwidth(s) if fw else s


def add_days(iso, n):
    import datetime
    return (datetime.date(*ymd(iso)) + datetime.timedelta(days=n)).isoformat()


SURNAMES = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
            ("渡辺", "ワタナベ"), ("伊藤", "イトウ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
            ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ")]
GIVEN = [("太郎", "タロウ", "male"), ("花子", "ハナコ", "female"), ("一郎", "イチロウ", "male"),
         ("美咲", "ミサキ", "female"), ("健太", "ケンタ", "male"), ("陽子", "ヨウコ", "female"),
         ("翔", "ショウ", "male"), ("由美", "ユミ", "female")]
PREFS = [("13", "東京都", "千代田区千代田一丁目1番1号"), ("27", "大阪府", "大阪市北区中之島一丁目3番20号"),
         ("01", "北海道", "札幌市中央区北一条西二丁目1番地"), ("40", "福岡県", "福岡市中央区天神一丁目8番1号"),
         ("23", "愛知県", "名古屋市中区三の丸三丁目1番1号"), ("14", "神奈川県", "横浜市中区本町六丁目50番地10")]
CITIES = {"13": "千代田区", "27": "大阪市", "01": "札幌市", "40": "福岡市", "23": "名古屋市",
          "14": "横浜市"}
KUMIAI = ["デジタル健康保険組合", "さくら電機健康保険組合", "みなと商事健康保険組合", "あおば製薬健康保険組合"]


class Person:
    pass


def make_person(rng, scheme, age70=False):
    """scheme: kokuho | kyokai | kumiai | kouki."""
    p = Person()
    pref, pref_name, addr = rng.choice(PREFS)
    sn, skana = rng.choice(SURNAMES)
    gn, gkana, sex = rng.choice(GIVEN)
    p.name, p.kana, p.sex = sn + " " + gn, skana + " " + gkana, sex
    if scheme == "kouki":
        age = rng.randrange(76, 92)
    elif age70:
        age = rng.randrange(70, 75)
    else:
        age = rng.randrange(3, 69)
    p.birth = "%04d-%02d-%02d" % (2025 - age, rng.randrange(1, 13), rng.randrange(1, 29))
    p.address = pref_name + addr
    p.relationship = "self" if age >= 20 or scheme in ("kokuho", "kouki") else "dependent"
    if scheme == "kokuho":
        p.insurer = insurer_number(rng, "", pref)
        p.insurer_name = pref_name + CITIES[pref] + "国民健康保険"
        p.issuer = CITIES[pref] + "長"
        p.symbol = rng.choice([CITIES[pref][:2] + str(rng.randrange(1, 9)), "%02d" % rng.randrange(1, 99)])
        p.number = "%06d" % rng.randrange(1, 999999)
        p.branch = "%02d" % rng.randrange(0, 6)
        p.householder = p.name
    elif scheme == "kyokai":
        p.insurer = insurer_number(rng, "01", pref)
        p.insurer_name = "全国健康保険協会 " + pref_name.rstrip("都府県") + "支部"
        p.issuer = p.insurer_name
        p.symbol = "%08d" % rng.randrange(1, 99999999)
        p.number = str(rng.randrange(1, 99999))
        p.branch = "%02d" % rng.randrange(0, 4)
        p.householder = None
    elif scheme == "kumiai":
        p.insurer = insurer_number(rng, "06", pref)
        p.insurer_name = rng.choice(KUMIAI)
        p.issuer = p.insurer_name
        p.symbol = str(rng.randrange(1, 999))
        p.number = str(rng.randrange(1, 9999999))
        p.branch = "%02d" % rng.randrange(0, 4)
        p.householder = None
    else:  # 後期高齢者医療: 被保険者番号 only, no 記号 or 枝番
        p.insurer = insurer_number(rng, "39", pref)
        p.insurer_name = pref_name + "後期高齢者医療広域連合"
        p.issuer = p.insurer_name
        p.symbol = None
        p.number = "%08d" % rng.randrange(1, 99999999)
        p.branch = None
        p.householder = None
    p.scheme = scheme
    p.copay = rng.choice([10, 30]) if scheme == "kouki" else (rng.choice([20, 30]) if age70 or age >= 70 else 30)
    p.age70 = scheme == "kouki" or age >= 70
    p.qualification = "%04d-%02d-%02d" % (rng.randrange(2005, 2025), rng.randrange(1, 13), rng.randrange(1, 29))
    return p


# ---------------------------------------------------------------------------------------------
# Drawing


def spaced(label):
    return " ".join(label)


class Page:
    def __init__(self, path, size=A4, encrypt=None):
        kw = {"pagesize": size, "invariant": 1}
        if encrypt:
            kw["encrypt"] = encrypt
        self.c = canvas.Canvas(path, **kw)
        self.w, self.h = size
        self.font = "Gothic"

    def text(self, x, y, s, size=11, font=None):
        self.c.setFont(font or self.font, size)
        self.c.drawString(x, y, s)

    def centre(self, y, s, size=16):
        self.c.setFont(self.font, size)
        self.c.drawCentredString(self.w / 2, y, s)

    def para(self, x, y, s, size=8, width=46):
        """Prose, wrapped at `width` characters (the notes under every form)."""
        for i in range(0, len(s), width):
            self.text(x, y, s[i:i + width], size)
            y -= size + 3
        return y

    def table(self, x, y, rows, widths, row_h=26, grid=True, shade=True, size=11):
        """rows: list of cells [(text, is_label)]; a cell may span the rest with widths=None."""
        c = self.c
        for row in rows:
            cx = x
            for i, (txt, is_label) in enumerate(row):
                w = widths[i] if i < len(widths) and i < len(row) - 1 else (x + sum(widths) - cx)
                if grid:
                    if shade and is_label:
                        c.setFillGray(0.82)
                        c.rect(cx, y - row_h, w, row_h, stroke=0, fill=1)
                        c.setFillGray(0)
                    c.setLineWidth(0.9)
                    c.rect(cx, y - row_h, w, row_h, stroke=1, fill=0)
                lines = txt.split("\n") if txt else []
                ty = y - row_h / 2 - size / 3 + (len(lines) - 1) * (size + 2) / 2
                for ln in lines:
                    self.text(cx + 6, ty, ln, size)
                    ty -= size + 2
                cx += w
            y -= row_h
        return y

    def save(self):
        self.c.showPage()
        self.c.save()


# ---------------------------------------------------------------------------------------------
# Layouts. Each returns the ground-truth "fields" of the JSON contract.

MYNA_NOTE = ("(注) マイナ保険証の読み取りができない例外的な場合には、保存したPDFファイルをマイナ保険証とともに"
             "医療機関等の受付に提示することで受診いただけます。なお、70歳以上の方や後期高齢者医療の加入者の方は、"
             "表示されている有効期限の到来に伴い、一部負担金割合が変更になる場合がありますので、ご注意ください。")


def mynaportal(path, p, v, rng):
    """医療保険の資格情報 (Mynaportal「資格情報をPDFで保存」). v: style dict."""
    pg = Page(path)
    lab = spaced if v.get("spaced") else (lambda s: s)
    fw = v.get("fw", False)
    pg.centre(780, "医療保険の資格情報", 18)
    pg.para(60, 750, "この画面のみでは受診できません。マイナ保険証とあわせて医療機関等の受付に提示してください。", 9, 50)
    saved = v["saved"]
    pg.text(60, 715, "保存日時：" + fmt_date(saved, v.get("date_style", "greg"), fw) + " 10:42時点", 10)
    f = {"insurer_name": p.insurer_name, "insurer_number": p.insurer, "number": p.number,
         "name": p.name, "relationship": p.relationship, "saved_at": saved}
    rows = [[(lab("保険者名"), 1), (p.insurer_name, 0)],
            [(lab("保険者番号"), 1), (fullwidth(p.insurer) if fw else p.insurer, 0)]]
    if p.symbol:
        rows.append([(lab("記号"), 1), (fullwidth(p.symbol) if fw else p.symbol, 0)])
        f["symbol"] = p.symbol
    rows.append([(lab("番号"), 1), (fullwidth(p.number) if fw else p.number, 0)])
    if p.branch:
        rows.append([(lab("枝番"), 1), (fullwidth(p.branch) if fw else p.branch, 0)])
        f["branch"] = p.branch
    rows += [[(lab("氏名"), 1), (p.name, 0)],
             [("本人・家族の別", 1), ("本人" if p.relationship == "self" else "家族", 0)]]
    phone = v.get("layout") == "phone"
    if phone:  # phone screen: label above value, no rules
        y = 680
        for (l, _), (val, _) in rows:
            pg.text(50, y, l, 10)
            pg.text(50, y - 16, val, 12)
            y -= 40
    else:
        y = pg.table(60, 690, rows, [170, 300], grid=v.get("layout") == "table")
    y -= 24
    pg.text(60, y, "70歳以上の方又は後期高齢者医療の加入者", 10)
    if p.age70:
        ratio = "%d割" % (p.copay // 10)
        until = v["copay_until"]
        r2 = [[(lab("一部負担金割合"), 1), (fullwidth(ratio) if fw else ratio, 0)],
              [(lab("有効期限"), 1), (fmt_date(until, v.get("date_style", "greg"), fw), 0)]]
        f["copay_ratio"], f["valid_until"] = p.copay, until
    else:
        r2 = [[(lab("一部負担金割合"), 1), ("—", 0)], [(lab("有効期限"), 1), ("—", 0)]]
    if phone:
        y -= 20
        for (l, _), (val, _) in r2:
            pg.text(50, y, l, 10)
            pg.text(50, y - 16, val, 12)
            y -= 40
    else:
        y = pg.table(60, y - 10, r2, [170, 300], grid=v.get("layout") == "table")
    pg.para(50, y - 30, MYNA_NOTE, 8, 58)
    if v.get("individual_number"):
        pg.text(60, 60, "（参考）個人番号 " + v["individual_number"], 8)
    pg.save()
    return f


def notice_slip(pg, p, v, y, fields):
    """The cut-off slip of 資格情報のお知らせ."""
    fw = v.get("fw", False)
    ds = v.get("date_style", "era")
    pg.text(60, y, "資格情報のお知らせ", 13)
    pg.text(360, y, fmt_date(v["issued"], ds, fw) + "発行", 10)
    pg.text(60, y - 22, "交付者名 " + p.issuer, 10)
    pg.text(60, y - 40, "保険者番号 " + (fullwidth(p.insurer) if fw else p.insurer), 10)
    ids = ""
    if p.symbol:
        ids += "記号 " + p.symbol + "   "
    ids += "番号 " + p.number
    if p.branch:
        ids += "   (枝番) " + p.branch
    pg.text(60, y - 62, fullwidth(ids) if fw else ids, 11)
    pg.text(60, y - 84, "氏名 " + p.name, 11)
    if p.age70:
        pg.text(60, y - 106, "負担割合 %d割 (70歳以上のみ記載)" % (p.copay // 10), 11)
        pg.text(300, y - 106, "有効期限 " + fmt_date(v["copay_until"], ds, fw), 11)
    else:
        pg.text(60, y - 106, "負担割合 — (70歳以上のみ記載)", 11)
    pg.text(60, y - 130, "受診の際にはマイナ保険証があわせて必要です", 10)
    fields.update({"issued_on": v["issued"], "issuer_name": p.issuer, "insurer_number": p.insurer,
                   "number": p.number, "name": p.name})
    if p.symbol:
        fields["symbol"] = p.symbol
    if p.branch:
        fields["branch"] = p.branch
    if p.age70:
        fields["copay_ratio"] = p.copay
        fields["valid_until"] = v["copay_until"]


def notice(path, p, v, rng):
    """資格情報のお知らせ: the full notice with its slip, or (slip_only) the slip alone."""
    pg = Page(path)
    fields = {}
    if v.get("slip_only"):
        notice_slip(pg, p, v, 700, fields)
        pg.save()
        return fields
    fw = v.get("fw", False)
    ds = v.get("date_style", "era")
    pg.centre(790, "資格情報のお知らせ", 18)
    pg.text(330, 760, "保険者名 " + p.insurer_name, 10)
    pg.text(330, 744, "保険者番号 " + (fullwidth(p.insurer) if fw else p.insurer), 10)
    pg.text(60, 744, p.name + " 様", 12)
    pg.para(60, 715, "あなたの加入する健康保険の資格情報を下記のとおりお知らせします。なお、このお知らせのみでは受診できません。", 9, 50)
    idrow = []
    if p.symbol:
        idrow += [("記号", 1), (p.symbol, 0)]
    idrow += [("番号", 1), (p.number + ("  (枝番) " + p.branch if p.branch else ""), 0)]
    if fw:
        idrow = [(fullwidth(t), l) for t, l in idrow]
    widths = [60, 110, 60, 240] if p.symbol else [60, 410]
    y = pg.table(60, 680, [idrow], widths)
    ratio = ("%d割" % (p.copay // 10)) if p.age70 else ""
    rows = [[("氏名", 1), (p.name, 0)], [("フリガナ", 1), (p.kana, 0)],
            [("負担割合 (70歳以上のみ記載)", 1), (ratio, 0)]]
    if p.age70:
        rows.append([("有効期限", 1), (fmt_date(v["copay_until"], ds, fw), 0)])
    rows += [[("適用開始年月日", 1), (fmt_date(p.qualification, ds, fw), 0)],
             [("交付年月日", 1), (fmt_date(v["issued"], ds, fw), 0)]]
    y = pg.table(60, y, rows, [170, 300])
    y = pg.para(60, y - 20, "※ 70歳以上の場合、負担割合のほか、有効期限、発効期日を記載。(下部の切り取り箇所も同様)", 8, 60)
    y = pg.para(60, y - 4, "マイナ保険証の読み取りができない例外的な場合については、スマートフォンの資格情報画面をマイナ保険証とともに医療機関等の受付で提示することで受診いただけます。", 8, 60)
    pg.text(60, 330, "- - - - - - - - - - 下部を切り取ってご利用いただけます (このお知らせのみでは受診できません) - - - - - - - - - -", 7)
    fields = {"insurer_name": p.insurer_name, "name_kana": p.kana,
              "qualification_date": p.qualification}
    notice_slip(pg, p, v, 300, fields)
    # the full notice's 交付年月日 and the slip's 発行日 are the same date
    pg.save()
    return fields


def certificate(path, p, v, rng):
    """資格確認書: the layout differs by insurer (DESIGN §3)."""
    pg = Page(path)
    pg.font = v.get("font", "Gothic")
    fw = v.get("fw", False)
    ds = v.get("date_style", "era")
    lab = spaced if v.get("spaced") else (lambda s: s)
    D = lambda iso: fmt_date(iso, ds, fw)
    N = lambda s: fullwidth(s) if fw else s
    f = {"insurer_number": p.insurer, "number": p.number, "name": p.name, "sex": p.sex,
         "birth_date": p.birth, "copay_ratio": p.copay, "valid_from": v["valid_from"],
         "valid_until": v["valid_until"], "qualification_date": p.qualification,
         "issued_on": v["issued"], "issuer_name": p.issuer}
    sex = "男" if p.sex == "male" else "女"
    ratio = N("%d" % (p.copay // 10)) + "割"
    if p.symbol:
        f["symbol"] = p.symbol
    if p.branch:
        f["branch"] = p.branch
    if p.scheme == "kokuho":
        # the flyer's sample: header rows, then a ruled grid; 世帯主氏名 and 住所
        rows = [[(p.insurer_name[:3], 0), (lab("有効期限"), 1), (D(v["valid_until"]), 0)],
                [("国民健康保険", 0), (lab("発効期日"), 1), (D(v["valid_from"]), 0)],
                [("資格確認書", 0), ("", 0)],
                [(lab("記号"), 1), (N(p.symbol), 0), (lab("番号"), 1), (N(p.number), 0), ("(枝番)", 1), (N(p.branch), 0)],
                [(lab("氏名"), 1), (p.name, 0), (lab("性別"), 1), (sex, 0)],
                [(lab("生年月日"), 1), (D(p.birth), 0), (lab("負担割合"), 1), (ratio, 0)],
                [(lab("適用開始年月日"), 1), (D(p.qualification), 0)],
                [(lab("交付年月日"), 1), (D(v["issued"]), 0)],
                [(lab("世帯主氏名"), 1), (p.householder, 0)],
                [(lab("住所"), 1), (p.address[:14] + "\n" + p.address[14:] if v.get("wrap") else p.address, 0)],
                [(lab("保険者番号"), 1), (N(p.insurer), 0)],
                [(lab("交付者名"), 1), (p.issuer + "　印", 0)]]
        f["householder_name"], f["address"] = p.householder, p.address
        widths = [110, 150, 60, 80, 50, 50]
        pg.table(50, 760, rows[:3], [140, 120, 240], row_h=24, grid=False)
        pg.table(50, 680, rows[3:], widths, row_h=34 if v.get("wrap") else 28)
    elif p.scheme == "kyokai":
        pg.centre(800, "健康保険 資格確認書", 18)
        pg.text(360, 775, "本人・家族の別 " + ("本人" if p.relationship == "self" else "家族"), 10)
        f["relationship"] = p.relationship
        rows = [[(lab("有効期限"), 1), (D(v["valid_until"]), 0), (lab("発効期日"), 1), (D(v["valid_from"]), 0)],
                [(lab("記号"), 1), (N(p.symbol), 0), (lab("番号"), 1), (N(p.number) + " (枝番) " + N(p.branch), 0)],
                [(lab("氏名"), 1), (p.name, 0)],
                [(lab("生年月日"), 1), (D(p.birth), 0), (lab("性別"), 1), (sex, 0)],
                [(lab("資格取得年月日"), 1), (D(p.qualification), 0), (lab("負担割合"), 1), (ratio, 0)],
                [(lab("交付年月日"), 1), (D(v["issued"]), 0)],
                [(lab("保険者番号"), 1), (N(p.insurer), 0)],
                [(lab("保険者名称"), 1), (p.insurer_name, 0)],
                [(lab("交付者名"), 1), (p.issuer, 0)]]
        f["insurer_name"] = p.insurer_name
        pg.table(45, 750, rows, [95, 150, 80, 180], row_h=28)
    elif p.scheme == "kumiai":
        # card-sized, landscape-ish block in the upper half, plain (no rules)
        pg.text(60, 780, "資格確認書", 16)
        pg.text(260, 780, "(被保険者)" if p.relationship == "self" else "(被扶養者)", 10)
        y = 750
        lines = [lab("記号") + " " + N(p.symbol) + "   " + lab("番号") + " " + N(p.number) + "   (枝番) " + N(p.branch),
                 lab("氏名") + " " + p.name + "      " + lab("性別") + " " + sex,
                 lab("生年月日") + " " + D(p.birth),
                 lab("一部負担金割合") + " " + ratio,
                 lab("資格取得年月日") + " " + D(p.qualification),
                 lab("発効期日") + " " + D(v["valid_from"]) + "   " + lab("有効期限") + " " + D(v["valid_until"]),
                 lab("交付年月日") + " " + D(v["issued"]),
                 lab("保険者番号") + " " + N(p.insurer),
                 lab("保険者名称") + " " + p.insurer_name,
                 lab("交付者名") + " " + p.issuer]
        for ln in lines:
            pg.text(60, y, ln, 11)
            y -= 24
        pg.c.setLineWidth(1.2)
        pg.c.roundRect(45, y, 500, 780 - y + 25, 8)
        f["insurer_name"] = p.insurer_name
    else:  # kouki: 被保険者番号, no 記号/枝番, Mincho
        pg.centre(800, "後期高齢者医療 資格確認書", 17)
        rows = [[(lab("被保険者番号"), 1), (N(p.number), 0)],
                [(lab("有効期限"), 1), (D(v["valid_until"]), 0)],
                [(lab("発効期日"), 1), (D(v["valid_from"]), 0)],
                [(lab("氏名"), 1), (p.name, 0)],
                [(lab("住所"), 1), (p.address, 0)],
                [(lab("生年月日"), 1), (D(p.birth) + "   " + lab("性別") + " " + sex, 0)],
                [(lab("資格取得年月日"), 1), (D(p.qualification), 0)],
                [(lab("交付年月日"), 1), (D(v["issued"]), 0)],
                [(lab("一部負担金の割合"), 1), (ratio, 0)],
                [(lab("保険者番号"), 1), (N(p.insurer), 0)],
                [(lab("交付者名"), 1), (p.issuer, 0)]]
        f["address"] = p.address
        pg.table(50, 760, rows, [150, 340], row_h=28)
    pg.para(50, 300, "※この資格確認書を医療機関等の受付に提示してください。", 8, 60)
    if v.get("copy_stamp"):
        pg.text(470, 810, v["copy_stamp"], 14)
    if v.get("individual_number"):
        pg.text(60, 260, "個人番号 " + v["individual_number"], 9)
    pg.save()
    return f


def legacy_card(path, p, v, rng):
    """健康保険被保険者証 (the legacy card, expired 2025-12-01)."""
    pg = Page(path, size=(600, 380))
    D = lambda iso: fmt_date(iso, v.get("date_style", "era"))
    pg.text(30, 340, "健康保険被保険者証", 16)
    pg.text(260, 340, "本人(被保険者)" if p.relationship == "self" else "家族(被扶養者)", 11)
    if v.get("issued_suffix"):  # 「令和3年4月1日交付」: the value before the word
        pg.text(420, 340, D(v["issued"]) + "交付", 9)
    else:
        pg.text(420, 340, "交付年月日 " + D(v["issued"]), 9)
    y = 305
    for ln in ["記号 " + p.symbol + "   番号 " + p.number + "   (枝番) " + p.branch,
               "氏名 " + p.name, "生年月日 " + D(p.birth) + "   性別 " + ("男" if p.sex == "male" else "女"),
               "資格取得年月日 " + D(p.qualification), "保険者番号 " + p.insurer,
               "保険者名称 " + p.insurer_name]:
        pg.text(30, y, ln, 12)
        y -= 30
    pg.c.rect(15, 20, 570, 345)
    pg.save()
    return {"symbol": p.symbol, "number": p.number, "branch": p.branch, "name": p.name,
            "birth_date": p.birth, "sex": p.sex, "qualification_date": p.qualification,
            "insurer_number": p.insurer, "insurer_name": p.insurer_name, "issued_on": v["issued"]}



# ---------------------------------------------------------------------------------------------
# Layouts added for independent insurers' forms (issue: fields read by label on every layout)

KANJI_RATIO = {10: "一割", 20: "二割", 30: "三割"}


def certificate_kouki_card(path, p, v, rng):
    """後期高齢者医療広域連合の資格確認書, in the layout of its former 被保険者証: 保険者番号 and
    the union's name share one cell 「保険者番号並びに保険者の名称及び印」 (wrapped over two lines
    with v["wrap_label"]); the ratio in kanji (三割); a 明治 birth date with v["meiji"]."""
    pg = Page(path)
    pg.font = "Mincho"
    D = lambda iso: fmt_date(iso, "era")
    birth = v.get("birth", p.birth)
    sex = "男" if p.sex == "male" else "女"
    pg.centre(800, "後期高齢者医療被保険者 資格確認書", 16)
    union = p.insurer_name
    if v.get("wrap_label"):
        last = [("保険者番号並びに\n保険者の名称及び印", 1), (p.insurer + "\n" + union + "　印", 0)]
    else:
        last = [("保険者番号並びに保険者の名称及び印", 1), (p.insurer + "　" + union + "　印", 0)]
    rows = [[("被保険者番号", 1), (p.number, 0)],
            [("住所", 1), (p.address, 0)],
            [("氏名", 1), (p.name, 0)],
            [("生年月日", 1), (D(birth), 0), ("性別", 1), (sex, 0)],
            [("資格取得年月日", 1), (D(p.qualification), 0)],
            [("発効期日", 1), (D(v["valid_from"]), 0)],
            [("有効期限", 1), (D(v["valid_until"]), 0)],
            [("交付年月日", 1), (D(v["issued"]), 0)],
            [("一部負担金の割合", 1), (KANJI_RATIO[p.copay], 0)],
            last]
    pg.table(40, 760, rows, [190, 150, 60, 110], row_h=34 if v.get("wrap_label") else 28, size=10)
    pg.save()
    return {"insurer_number": p.insurer, "insurer_name": union, "number": p.number,
            "name": p.name, "address": p.address, "birth_date": birth, "sex": p.sex,
            "qualification_date": p.qualification, "valid_from": v["valid_from"],
            "valid_until": v["valid_until"], "issued_on": v["issued"], "copay_ratio": p.copay}


def certificate_kyokai_card(path, p, v, rng):
    """協会けんぽ-style 資格確認書, card-sized and unruled: 有効期限 and 発効期日 on lines of their
    own, 枝番 without brackets, the ratio in kanji, the issuer with its seal."""
    pg = Page(path)
    D = lambda iso: fmt_date(iso, v.get("date_style", "era"))
    sex = "男" if p.sex == "male" else "女"
    pg.text(60, 800, "全国健康保険協会", 9)
    pg.text(60, 780, "健康保険 資格確認書", 15)
    pg.text(330, 780, "本人(被保険者)" if p.relationship == "self" else "家族(被扶養者)", 10)
    lines = ["有効期限　" + D(v["valid_until"]),
             "発効期日　" + D(v["valid_from"]),
             "記号　" + p.symbol + "　　番号　" + p.number + "　　枝番　" + p.branch,
             "氏名　" + p.name,
             "生年月日　" + D(p.birth) + "　　性別　" + sex,
             "資格取得年月日　" + D(p.qualification),
             "一部負担金の割合　" + KANJI_RATIO[p.copay],
             "交付年月日　" + D(v["issued"]),
             "保険者番号　" + p.insurer,
             "保険者名称　" + p.insurer_name,
             "交付者名　" + p.issuer + "　印"]
    y = 750
    for ln in lines:
        pg.text(60, y, ln, 11)
        y -= 24
    pg.c.setLineWidth(1.2)
    pg.c.roundRect(45, y, 500, 820 - y, 8)
    pg.save()
    return {"insurer_number": p.insurer, "insurer_name": p.insurer_name, "symbol": p.symbol,
            "number": p.number, "branch": p.branch, "name": p.name, "birth_date": p.birth,
            "sex": p.sex, "qualification_date": p.qualification,
            "valid_from": v["valid_from"], "valid_until": v["valid_until"], "issued_on": v["issued"],
            "copay_ratio": p.copay, "issuer_name": p.issuer}


def notice_header_layout(path, p, v, rng):
    """資格情報のお知らせ in the flyer's own layout: the insurer's name and number in the header
    without labels (「(保険者名)」「(保険者番号)」 positions; 6 digits for 国保), the flyer's
    four-column grid, a 70+ form that prints both 有効期限 and 発効期日, the issuer with its seal
    and no label; the slip names 交付者 and prints no insurer number."""
    pg = Page(path)
    D = lambda iso: fmt_date(iso, "era")
    sex = "男" if p.sex == "male" else "女"
    pg.text(60, 790, "資格情報のお知らせ", 16)
    pg.text(320, 792, p.insurer_name, 10)
    pg.text(320, 776, "(" + p.insurer + ")" if v.get("bracketed") else p.insurer, 10)
    pg.text(60, 760, p.name + " 様", 12)
    pg.para(60, 735, "あなたの加入する健康保険の資格情報を下記のとおりお知らせします。なお、このお知らせのみでは受診できません。", 9, 50)
    ratio = ("%d割" % (p.copay // 10)) if p.age70 else "—"
    until = D(v["copay_until"]) if p.age70 else "—"
    since = D(v["copay_from"]) if p.age70 else "—"
    rows = [[("記号", 1), (p.symbol, 0), ("番号", 1), (p.number + " (枝番) " + p.branch, 0)],
            [("氏名", 1), (p.name, 0), ("性別", 1), (sex, 0)],
            [("生年月日", 1), (D(p.birth), 0), ("資格取得年月日", 1), (D(p.qualification), 0)],
            [("交付年月日", 1), (D(v["issued"]), 0), ("有効期限", 1), (until, 0)],
            [("負担割合", 1), (ratio, 0), ("発効期日", 1), (since, 0)]]
    pg.table(50, 690, rows, [90, 150, 100, 160], row_h=28, size=10)
    pg.text(360, 520, p.issuer + "　印", 11)
    pg.para(60, 490, "※70歳以上の方は、一部負担金割合、有効期限、発効期日が表示されます。この通知をマイナ保険証とあわせて医療機関等の受付に提示することで確認いただけます。", 8, 60)
    pg.text(60, 330, "- - - - - - - - - - 切り取ってご利用いただけます - - - - - - - - - -", 7)
    pg.text(60, 300, "資格情報のお知らせ", 13)
    pg.text(360, 300, D(v["issued"]) + "発行", 10)
    pg.text(60, 278, "交付者 " + p.issuer, 10)
    pg.text(60, 256, "記号 " + p.symbol + "   番号 " + p.number + "   (枝番) " + p.branch, 11)
    pg.text(60, 234, "氏名 " + p.name, 11)
    pg.text(60, 212, "受診の際にはマイナ保険証があわせて必要です", 10)
    pg.save()
    f = {"insurer_name": p.insurer_name, "insurer_number": p.insurer, "symbol": p.symbol,
         "number": p.number, "branch": p.branch, "name": p.name, "sex": p.sex,
         "birth_date": p.birth, "qualification_date": p.qualification, "issued_on": v["issued"],
         "issuer_name": p.issuer}
    if p.age70:
        f.update({"copay_ratio": p.copay, "valid_until": v["copay_until"],
                  "valid_from": v["copay_from"]})
    return f


# ---------------------------------------------------------------------------------------------
# Papers that carry insurance numbers but are not proof of insurance (never accepted)


def other_document(path, p, v, rng):
    """限度額適用認定証, 高齢受給者証, 特定疾病療養受療証, 公費の受給者証, 領収書/診療明細書: each with
    保険者番号, 記号 and 番号, most with 有効期限 and 発効期日 too."""
    pg = Page(path)
    kind = v["kind"]
    D = lambda iso: fmt_date(iso, "era")
    ids = [("記号", 1), (p.symbol or "", 0), ("番号", 1), (p.number + ((" (枝番) " + p.branch) if p.branch else ""), 0)]
    common = [ids, [("氏名", 1), (p.name, 0)], [("生年月日", 1), (D(p.birth), 0)]]
    period = [[("発効期日", 1), (D(v["valid_from"]), 0)], [("有効期限", 1), (D(v["valid_until"]), 0)]]
    insurer = [[("保険者番号", 1), (p.insurer, 0)], [("保険者名称", 1), (p.insurer_name, 0)]]
    if kind == "limit_certificate":
        pg.centre(790, "健康保険 限度額適用認定証", 16)
        rows = common + [[("適用区分", 1), ("ウ", 0)]] + period + [[("交付年月日", 1), (D(v["issued"]), 0)]] + insurer
    elif kind == "elderly_recipient_certificate":
        pg.centre(790, "健康保険高齢受給者証", 16)
        rows = common + period + [[("一部負担金の割合", 1), ("%d割" % (p.copay // 10), 0)], [("交付年月日", 1), (D(v["issued"]), 0)]] + insurer
    elif kind == "specific_disease_certificate":
        pg.centre(790, "特定疾病療養受療証", 16)
        rows = common + [[("認定疾病名", 1), ("人工腎臓を実施している慢性腎不全", 0)], [("自己負担限度額", 1), ("10,000円", 0)]] + period + insurer
    elif kind == "public_expense_certificate":
        pg.centre(790, "子ども医療費受給者証", 16)
        rows = [[("公費負担者番号", 1), ("88136019", 0)], [("受給者番号", 1), ("1234567", 0)],
                [("氏名", 1), (p.name, 0)], [("生年月日", 1), (D(p.birth), 0)],
                [("有効期限", 1), (D(v["valid_until"]), 0)],
                [("加入医療保険", 1), ("", 0)]] + insurer + [ids]
    elif kind == "receipt_or_statement":
        pg.centre(790, "領収証 兼 診療明細書", 16)
        rows = [[("患者番号", 1), ("000123", 0)], [("氏名", 1), (p.name, 0)],
                [("受診日", 1), (D(v["issued"]), 0)]] + insurer + [ids] + \
               [[("負担割合", 1), ("3割", 0)], [("合計点数", 1), ("312点", 0)], [("領収金額", 1), ("940円", 0)]]
    pg.table(50, 750, rows, [110, 150, 60, 180], row_h=26, size=10)
    pg.para(50, 300, "※この証は保険医療機関等の窓口で提出してください。", 8, 60)
    pg.save()
    return None


def flyer_page(path, p, v, rng):
    """The flyer's explanatory page: what a 資格確認書 is, and a blank one (見本)."""
    pg = Page(path)
    pg.centre(800, "「資格確認書」とは？", 16)
    pg.para(60, 770, "「資格確認書」は自身の保険資格を確認できるようにするもので、マイナンバーカードを取得していない方や利用登録を済ませていない方に自動的に交付されます。", 9, 50)
    rows = [[("〇〇都道府県", 0), ("有効期限", 1), ("年　月　日", 0)],
            [("国民健康保険", 0), ("発効期日", 1), ("年　月　日", 0)],
            [("資格確認書", 0), ("", 0)],
            [("記号", 1), ("", 0), ("番号", 1), ("", 0), ("(枝番)", 1), ("", 0)],
            [("氏名", 1), ("", 0), ("性別", 1), ("", 0)],
            [("生年月日", 1), ("年　月　日", 0), ("負担割合", 1), ("割", 0)],
            [("適用開始年月日", 1), ("年　月　日", 0)],
            [("交付年月日", 1), ("年　月　日", 0)],
            [("世帯主氏名", 1), ("", 0)], [("住所", 1), ("", 0)], [("保険者番号", 1), ("", 0)],
            [("交付者名", 1), ("印", 0)]]
    if v.get("explained", True):
        pg.table(50, 700, rows, [110, 150, 60, 80, 50, 50], row_h=26, size=10)
        pg.para(50, 360, "※様式は保険者によって異なります", 8, 60)
        pg.para(50, 340, "マイナンバーカードを健康保険証として利用登録していても、マイナ保険証での受診等が難しい方(高齢者、障がいがある方など)は申請によって交付されます。", 9, 50)
    else:  # the blank form alone, cut out of the flyer
        pg.table(50, 760, rows, [110, 150, 60, 80, 50, 50], row_h=26, size=10)
        pg.para(50, 420, "※様式は保険者によって異なります", 8, 60)
    pg.save()
    return None

# ---------------------------------------------------------------------------------------------
# The corpus plan


def plan(rng):
    docs = []

    def add(kind, ident, scheme, v, age70=False, **gt):
        docs.append((kind, ident, make_person(rng, scheme, age70), v, gt))

    # Mynaportal 医療保険の資格情報
    for i, (scheme, layout, spaced_, ds, fw, a70) in enumerate([
            ("kumiai", "table", True, "greg", False, False), ("kyokai", "table", True, "era", False, True),
            ("kokuho", "plain", False, "greg", True, False), ("kouki", "table", True, "era", False, True),
            ("kumiai", "phone", False, "greg", False, True), ("kyokai", "plain", True, "slash", True, False),
            ("kokuho", "table", True, "era_spaced", True, True)]):
        saved = add_days(VISIT, -rng.randrange(0, 20))
        v = {"layout": layout, "spaced": spaced_, "date_style": ds, "fw": fw, "saved": saved,
             "copay_until": add_days(VISIT, rng.randrange(30, 300))}
        add("mynaportal", "myna_%02d_%s_%s" % (i, scheme, layout), scheme, v, a70)
    # an old save, a 70+ whose ratio expiry passed, a planted 個人番号
    add("mynaportal", "myna_old_save", "kumiai",
        {"layout": "table", "spaced": True, "saved": add_days(VISIT, -200)})
    add("mynaportal", "myna_copay_expired", "kyokai",
        {"layout": "table", "spaced": True, "date_style": "era", "saved": VISIT,
         "copay_until": add_days(VISIT, -5)}, True)
    add("mynaportal", "myna_individual_number", "kumiai",
        {"layout": "plain", "saved": VISIT, "individual_number": "4821 7730 5196"},
        individual_number="482177305196", expect_codes=["individual_number.dropped"])
    # 資格情報のお知らせ: full notice and slip alone
    for i, (scheme, ds, fw, a70, slip) in enumerate([
            ("kumiai", "era", False, False, False), ("kyokai", "greg", True, True, False),
            ("kokuho", "era", False, True, False), ("kouki", "era", True, True, False),
            ("kumiai", "era", False, False, True), ("kyokai", "greg", False, True, True),
            ("kokuho", "era", True, False, True)]):
        v = {"date_style": ds, "fw": fw, "slip_only": slip, "issued": add_days(VISIT, -rng.randrange(20, 400)),
             "copay_until": add_days(VISIT, rng.randrange(30, 300))}
        add("notice", "notice_%02d_%s%s" % (i, scheme, "_slip" if slip else ""), scheme, v, a70)
    # 資格確認書: several insurers' layouts
    for i, (scheme, ds, fw, sp, a70, extra) in enumerate([
            ("kokuho", "era", False, False, False, {}), ("kokuho", "greg", True, True, True, {"wrap": True}),
            ("kokuho", "era_spaced", False, False, False, {"font": "Mincho"}),
            ("kyokai", "era", False, False, False, {}), ("kyokai", "greg", False, True, True, {}),
            ("kyokai", "slash", True, False, False, {"font": "Mincho"}),
            ("kumiai", "era", False, False, False, {}), ("kumiai", "greg", True, True, True, {}),
            ("kouki", "era", False, False, True, {"font": "Mincho"}), ("kouki", "greg", True, True, True, {})]):
        v = dict(extra, date_style=ds, fw=fw, spaced=sp, valid_from="2025-08-01",
                 valid_until=add_days(VISIT, rng.randrange(60, 600)), issued="2025-07-15")
        add("certificate", "cert_%02d_%s" % (i, scheme), scheme, v, a70)
    add("certificate", "cert_expired", "kyokai",
        {"date_style": "era", "valid_from": "2024-12-02", "valid_until": "2025-12-01", "issued": "2024-11-20"})
    add("certificate", "cert_not_yet", "kokuho",
        {"date_style": "greg", "valid_from": "2026-02-01", "valid_until": "2027-01-31", "issued": "2026-01-10"})
    add("certificate", "cert_individual_number", "kumiai",
        {"date_style": "era", "valid_from": "2025-08-01", "valid_until": "2026-07-31", "issued": "2025-07-15",
         "individual_number": "730251648893"},
        individual_number="730251648893", expect_codes=["individual_number.dropped"])
    # legacy 健康保険証: well formed; that every one expired on 2025-12-01 is the policy's rule
    add("legacy", "legacy_card_kumiai", "kumiai", {"issued": "2021-04-01"})
    add("legacy", "legacy_card_kyokai", "kyokai", {"issued": "2019-10-01", "date_style": "greg"})
    add("legacy", "legacy_card_kokuho_suffix", "kokuho", {"issued": "2021-04-01", "issued_suffix": True})
    # insurers' layouts added later: 後期高齢者医療広域連合 (number and name in one cell),
    # 協会けんぽ card style, the flyer's notice with an unlabelled header (国保: 6 digits)
    add("cert_kouki_card", "cert_kouki_card", "kouki",
        {"valid_from": "2025-08-01", "valid_until": "2026-07-31", "issued": "2025-07-10"})
    add("cert_kouki_card", "cert_kouki_card_wrapped", "kouki",
        {"valid_from": "2025-08-01", "valid_until": "2026-07-31", "issued": "2025-07-10",
         "wrap_label": True, "birth": "1911-03-14"})
    add("cert_kyokai_card", "cert_kyokai_card", "kyokai",
        {"valid_from": "2025-12-02", "valid_until": "2027-12-01", "issued": "2025-11-20"}, True)
    add("notice_header", "notice_header_kokuho_70", "kokuho",
        {"issued": "2025-09-01", "copay_until": "2026-07-31", "copay_from": "2025-08-01"}, True)
    add("notice_header", "notice_header_kyokai", "kyokai",
        {"issued": "2025-10-01", "bracketed": True})
    # a copy of a 資格確認書 (deposited with a school): the mark is reported, the context decides
    add("certificate", "cert_copy_kokuho", "kokuho",
        {"date_style": "era", "valid_from": "2025-08-01", "valid_until": "2026-07-31",
         "issued": "2025-07-15", "copy_stamp": "コピー"}, copy_marked=True)
    # papers with insurance numbers that are not proof of insurance
    for kind, scheme in [("limit_certificate", "kyokai"), ("elderly_recipient_certificate", "kumiai"),
                         ("specific_disease_certificate", "kokuho"),
                         ("public_expense_certificate", "kumiai"), ("receipt_or_statement", "kyokai")]:
        add("other", "other_" + kind, scheme,
            {"kind": kind, "valid_from": "2025-08-01", "valid_until": "2026-07-31", "issued": "2025-07-15"},
            True, other_kind=kind)
    add("flyer", "other_flyer_page", "kokuho", {}, other_kind="blank_template")
    add("flyer", "other_blank_template", "kokuho", {"explained": False}, other_kind="blank_template")
    return docs


DOC_TYPE = {"mynaportal": "mynaportal_qualification", "notice": "qualification_notice",
            "notice_header": "qualification_notice", "certificate": "qualification_certificate",
            "cert_kouki_card": "qualification_certificate",
            "cert_kyokai_card": "qualification_certificate", "legacy": "legacy_insurance_card",
            "other": "other_document", "flyer": "other_document"}
RENDER = {"mynaportal": mynaportal, "notice": notice, "notice_header": notice_header_layout,
          "certificate": certificate, "cert_kouki_card": certificate_kouki_card,
          "cert_kyokai_card": certificate_kyokai_card, "legacy": legacy_card,
          "other": other_document, "flyer": flyer_page}


# ---------------------------------------------------------------------------------------------
# Scans


def make_scan(pdf, out_base, rng, fmt):
    """200 dpi greyscale rendering, rotated by at most 1.2°, mild noise; PNG, JPEG or an
    image-only PDF."""
    import numpy as np
    from PIL import Image
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-singlefile", pdf,
                        os.path.join(tmp, "page")], check=True)
        img = Image.open(os.path.join(tmp, "page.png")).convert("L")
        img.load()
    angle = rng.uniform(0.3, 1.2) * rng.choice([-1, 1])
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    a = np.asarray(img, dtype=np.float32)
    a = a * 0.92 + 12 + nrng.normal(0, 9, a.shape)  # paper grey, toner not quite black, noise
    a[nrng.random(a.shape) < 0.0008] = 0  # dust
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    if fmt == "png":
        path = out_base + ".png"
        img.save(path, optimize=False)
    elif fmt == "jpeg":
        path = out_base + ".jpg"
        img.save(path, quality=88)
    else:
        path = out_base + ".scan.pdf"
        stamp = time.gmtime(1768899600)  # fixed: deterministic output
        img.save(path, "PDF", resolution=200.0, creationDate=stamp, modDate=stamp)
    return os.path.basename(path), round(angle, 3)


# ---------------------------------------------------------------------------------------------
# Bad inputs


def make_bad(out, good_pdf):
    data = open(good_pdf, "rb").read()
    bad = []

    def put(name, content, err):
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(content)
        bad.append({"file": name, "error": err})

    put("bad_empty.pdf", b"", "document.empty")
    put("bad_truncated.pdf", data[: len(data) // 2], "document.truncated")
    # header and trailer intact, every object in between destroyed
    body = bytearray(data)
    r = random.Random(7)
    for i in range(16, len(body) - 64):
        body[i] = r.randrange(256)
    put("bad_corrupted.pdf", bytes(body), "document.corrupted")
    put("bad_not_pdf.pdf", "保険者番号 06139999\n記号 1 番号 2\n".encode() * 20, "document.unsupported_format")
    put("bad_html.pdf", b"<!DOCTYPE html><html><body>%PDF-1.4</body></html>", "document.unsupported_format")
    # encrypted with a user password: cannot be opened without it
    path = os.path.join(out, "bad_encrypted.pdf")
    pg = Page(path, encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128))
    pg.centre(700, "医療保険の資格情報")
    pg.save()
    bad.append({"file": "bad_encrypted.pdf", "error": "document.encrypted"})
    # three pages, for the page cap test (max_pages=2)
    path = os.path.join(out, "many_pages.pdf")
    pg = Page(path)
    for i in range(3):
        pg.centre(700, "医療保険の資格情報 %d" % (i + 1))
        pg.c.showPage()
    pg.c.save()
    # a PDF with no text and no ink at all
    path = os.path.join(out, "bad_blank.pdf")
    pg = Page(path)
    pg.save()
    bad.append({"file": "bad_blank.pdf", "error": "document.no_content"})
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--scans", type=int, default=12)
    args = ap.parse_args()
    out = args.out
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    rng = random.Random(args.seed)
    docs = []
    entries = plan(rng)
    for kind, ident, person, v, gt in entries:
        pdf = os.path.join(out, ident + ".pdf")
        fields = RENDER[kind](pdf, person, v, rng)
        other = gt.get("other_kind")
        truth = {"id": ident, "file": ident + ".pdf", "visit_date": VISIT, "document_type": DOC_TYPE[kind],
                 "slip_only": bool(v.get("slip_only")), "fields": fields,
                 "copy_marked": bool(gt.get("copy_marked")),
                 "expect_valid": gt.get("expect_valid", other is None),
                 "expect_codes": gt.get("expect_codes", ["document.not_proof_of_insurance"] if other else [])}
        if other:
            truth["other_kind"] = other
        if "individual_number" in gt:
            truth["individual_number"] = gt["individual_number"]
        docs.append(truth)
    # scans: spread over every document kind and insurer, ruled and plain layouts
    # The layouts added for independent forms are always scanned (certificate fields on 200 dpi
    # scans, a paper that is not proof of insurance); the rest is a seeded sample of the others.
    always = ["cert_kouki_card", "cert_kyokai_card", "notice_header_kokuho_70", "other_limit_certificate"]
    candidates = [d for d in docs if not d.get("individual_number") and d["id"] not in
                  ["myna_old_save", "myna_copay_expired", "cert_expired", "cert_not_yet"] + always
                  and not d["id"].startswith("other_") and d["id"] not in
                  ("cert_kouki_card_wrapped", "notice_header_kyokai", "cert_copy_kokuho",
                   "legacy_card_kokuho_suffix")]
    picked = rng.sample(candidates, min(max(args.scans - len(always), 0), len(candidates)))
    picked += [d for d in docs if d["id"] in always][:max(args.scans, 0)]
    scans = []
    for i, d in enumerate(sorted(picked, key=lambda d: d["id"])):
        fmt = "jpeg" if i % 6 == 1 else ("pdf" if i % 6 == 4 else "png")
        name, angle = make_scan(os.path.join(out, d["file"]), os.path.join(out, d["id"] + "_scan"), rng, fmt)
        s = dict(d, file=name, scan_of=d["file"], rotation_deg=angle)
        scans.append(s)
    bad = make_bad(out, os.path.join(out, docs[0]["file"]))
    for d in docs + scans:
        with open(os.path.join(out, os.path.splitext(d["file"])[0] + ".json"), "w") as fh:
            json.dump(d, fh, ensure_ascii=False, indent=1)
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump({"seed": args.seed, "documents": docs, "scans": scans, "bad": bad}, fh,
                  ensure_ascii=False, indent=1)
    print("corpus: %d PDFs, %d scans, %d bad inputs in %s" % (len(docs), len(scans), len(bad), out))


if __name__ == "__main__":
    sys.exit(main())
