#!/bin/sh
# The RSA known answers of tests/rsa.rs, made once with OpenSSL 3.0 (run from this folder; the
# committed files are the output, the tests never run this). TEST KEYS ONLY: they are public.
set -e
# A 2048-bit RSA root CA, self-signed with sha256WithRSAEncryption (PKCS#1 v1.5).
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 36500 -sha256 \
  -subj "/O=OpenSSL Test/CN=OpenSSL RSA Test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
# A 2048-bit leaf key, and two certificates for it from that CA: one signed with
# sha256WithRSAEncryption, one with RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt).
openssl genrsa -out leaf-key.pem 2048
openssl req -new -key leaf-key.pem -subj "/CN=rsa.example" -out leaf.csr
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:rsa.example\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -set_serial 1 -days 36500 -sha256 -extfile leaf.ext -out leaf-pkcs1.pem
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -set_serial 2 -days 36500 -sha256 -extfile leaf.ext \
  -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 -out leaf-pss.pem
for f in ca leaf-pkcs1 leaf-pss; do openssl x509 -in $f.pem -outform DER -out $f.der; done
# Signatures over one message with the leaf key: RSASSA-PSS as rsa_pss_rsae_sha256 makes it
# (RFC 8446 §4.2.3: SHA-256, MGF1-SHA-256, salt as long as the hash), and RSASSA-PKCS1-v1_5.
printf 'TLS 1.3, server CertificateVerify, as a test message' > message.txt
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 \
  -sign leaf-key.pem -out message.pss.sig message.txt
openssl dgst -sha256 -sign leaf-key.pem -out message.pkcs1.sig message.txt
# Checked by OpenSSL itself before committing.
openssl verify -CAfile ca.pem leaf-pkcs1.pem leaf-pss.pem
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -prverify leaf-key.pem -signature message.pss.sig message.txt
openssl dgst -sha256 -prverify leaf-key.pem -signature message.pkcs1.sig message.txt
rm -f leaf.csr leaf.ext ca.srl ca-key.pem
