#!/usr/bin/env python3
# verify_notary_response.py: independently (signedjson/PyNaCl) check a notary's /_matrix/key/v2/query response read from stdin.
# Usage: verify_notary_response.py ORIGIN NOTARY NOTARY_KEY_ID NOTARY_KEY < response.json
# Every document in server_keys must be about ORIGIN, self-signed with each of its ed25519
# verify_keys, and counter-signed by NOTARY with NOTARY_KEY_ID / NOTARY_KEY (unpadded base64).
# Prints "OK <n> documents" and exits 0, or prints the reason on stderr and exits 1.
import argparse
import json
import sys

from signedjson.key import decode_verify_key_base64
from signedjson.sign import SignatureVerifyException, verify_signed_json


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("origin")
    ap.add_argument("notary")
    ap.add_argument("notary_key_id")
    ap.add_argument("notary_key")
    args = ap.parse_args()

    try:
        resp = json.load(sys.stdin)
    except ValueError as e:
        fail(f"stdin is not JSON: {e}")
    docs = resp.get("server_keys") if isinstance(resp, dict) else None
    if not isinstance(docs, list) or not docs:
        fail("server_keys is missing or empty")

    alg, version = args.notary_key_id.split(":", 1)
    notary_key = decode_verify_key_base64(alg, version, args.notary_key)
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict) or doc.get("server_name") != args.origin:
            fail(f"document {i} is not about {args.origin}")
        verify_keys = doc.get("verify_keys")
        if not isinstance(verify_keys, dict) or not verify_keys:
            fail(f"document {i}: verify_keys is missing or empty")
        for key_id, entry in verify_keys.items():
            if not key_id.startswith("ed25519:"):
                continue
            try:
                vk = decode_verify_key_base64("ed25519", key_id.split(":", 1)[1], entry["key"])
                verify_signed_json(doc, args.origin, vk)
            except SignatureVerifyException as e:
                fail(f"document {i}: {args.origin}'s signature with {key_id} does not verify: {e}")
            except Exception as e:  # bad base64, wrong length, missing "key"
                fail(f"document {i}: cannot check {key_id}: {e}")
        try:
            verify_signed_json(doc, args.notary, notary_key)
        except SignatureVerifyException as e:
            fail(f"document {i}: {args.notary}'s counter-signature does not verify: {e}")

    print(f"OK {len(docs)} documents")


if __name__ == "__main__":
    main()
