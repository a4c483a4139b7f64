import hashlib
import hmac
import time


def verify_dak_signature(body: bytes, header: str, secret: str, tolerance: int = 300) -> bool:
    """True when header (X-Dak-Signature) signs body (the raw request body) with secret."""
    pairs = [part.partition("=")[::2] for part in header.split(",")]
    t = next((value for key, value in pairs if key == "t"), "")
    if not t.isdigit() or abs(time.time() - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(key == "v1" and hmac.compare_digest(value.encode(), expected.encode()) for key, value in pairs)
