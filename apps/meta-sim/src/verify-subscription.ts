export interface VerifyResult {
  /** True when the receiver answered 200 with exactly the challenge. */
  ok: boolean;
  status: number;
  body: string;
  challenge: string;
}

/** Meta's webhook subscription handshake: GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… */
export async function verifySubscription(url: string, verifyToken: string, challenge: string): Promise<VerifyResult> {
  const target = new URL(url);
  target.searchParams.set('hub.mode', 'subscribe');
  target.searchParams.set('hub.verify_token', verifyToken);
  target.searchParams.set('hub.challenge', challenge);
  const response = await fetch(target, { headers: { 'user-agent': 'facebookplatform/1.0' } });
  const body = await response.text();
  return { ok: response.status === 200 && body === challenge, status: response.status, body, challenge };
}
