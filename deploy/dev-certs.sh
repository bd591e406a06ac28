#!/usr/bin/env bash
# Development certificates, made with the openssl command; nothing secret is committed.
#   deploy/dev-certs.sh [DIR]      (default: ./var/certs; existing files are kept)
# Makes:
#   ca.{key,crt}            dev TLS CA: signs every server and client certificate below
#   madoguchid.{key,crt}    the daemon's HTTPS server (localhost, 127.0.0.1)
#   gateway.{key,crt}       the online-check gateway simulator's server (localhost, 127.0.0.1)
#   client.{key,crt}        the daemon's client certificate for mutual TLS to the gateway
#   jpki-ca.{key,crt}       simulated JPKI user-authentication CA: signs virtual cards' certificates
set -euo pipefail
dir=${1:-${MADOGUCHI_CERT_DIR:-$(pwd)/var/certs}}
mkdir -p "$dir"
cd "$dir"
days=3650

ca() { # name subject
  [[ -s $1.crt ]] && return
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days $days \
    -subj "$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() { # name subject extendedKeyUsage [subjectAltName]
  [[ -s $1.crt ]] && return
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$3"
    [[ -n ${4:-} ]] && echo "subjectAltName=$4"
  } > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" \
    -days $days -sha256 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

ca ca "/O=Madoguchi Development/CN=Madoguchi Dev TLS CA"
ca jpki-ca "/C=JP/O=JPKI/OU=Simulated/CN=Simulated JPKI User Authentication CA"
leaf madoguchid "/O=Madoguchi Development/CN=localhost" serverAuth \
  "DNS:localhost,IP:127.0.0.1"
leaf gateway "/O=Madoguchi Development/CN=localhost" serverAuth \
  "DNS:localhost,DNS:oqs-gateway.test,IP:127.0.0.1"
# CN = the 10-digit medical institution code (医療機関コード) the gateway sees.
leaf client "/O=Madoguchi Development/CN=1312345678" clientAuth
chmod 600 ./*.key
echo "$dir"
