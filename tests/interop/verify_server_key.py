#!/usr/bin/env python3
# verify_server_key.py: independently (signedjson/PyNaCl) check a /_matrix/key/v2/server response read from stdin.
# Usage: verify_server_key.py SERVER_NAME [--signing-key FILE] < response.json
# Prints "OK <key_ids>" and exits 0, or prints the reason on stderr and exits 1.
import argparse
import json
import sys
import time

from signedjson.key import decode_verify_key_base64, encode_verify_key_base64, get_verify_key, read_signing_keys
from signedjson.sign import SignatureVerifyException, verify_signed_json


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("server_name")
    ap.add_argument("--signing-key", help="Synapse signing key file: 'ed25519 <version> <unpadded base64 seed>'")
    args = ap.parse_args()

    try:
        resp = json.load(sys.stdin)
    except ValueError as e:
        fail(f"stdin is not JSON: {e}")
    if not isinstance(resp, dict):
        fail("response is not a JSON object")

    if resp.get("server_name") != args.server_name:
        fail(f"server_name is {resp.get('server_name')!r}, expected {args.server_name!r}")
    valid_until = resp.get("valid_until_ts")
    if not isinstance(valid_until, int) or valid_until <= int(time.time() * 1000):
        fail(f"valid_until_ts {valid_until!r} is not in the future")

    verify_keys = resp.get("verify_keys")
    if not isinstance(verify_keys, dict) or not verify_keys:
        fail("verify_keys is missing or empty")
    published = {}
    for key_id, entry in verify_keys.items():
        if not key_id.startswith("ed25519:"):
            fail(f"unsupported key algorithm in {key_id!r}")
        try:
            vk = decode_verify_key_base64("ed25519", key_id.split(":", 1)[1], entry["key"])
        except Exception as e:  # bad base64, wrong length, missing "key"
            fail(f"cannot decode {key_id}: {e}")
        published[key_id] = vk
        sigs = resp.get("signatures", {}).get(args.server_name, {})
        if key_id not in sigs:
            fail(f"no signature by {args.server_name} with {key_id}")
        try:
            verify_signed_json(resp, args.server_name, vk)
        except SignatureVerifyException as e:
            fail(f"signature by {key_id} does not verify: {e}")

    if args.signing_key:
        with open(args.signing_key) as f:
            for sk in read_signing_keys(f):
                key_id = f"{sk.alg}:{sk.version}"
                vk = get_verify_key(sk)
                if key_id not in published:
                    fail(f"key {key_id} from {args.signing_key} is not published")
                if encode_verify_key_base64(vk) != encode_verify_key_base64(published[key_id]):
                    fail(f"published {key_id} differs from the one derived from {args.signing_key}")

    print("OK " + " ".join(sorted(published)))


if __name__ == "__main__":
    main()
