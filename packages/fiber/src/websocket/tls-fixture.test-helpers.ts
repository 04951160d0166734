// A self-signed TLS certificate for 127.0.0.1 and localhost (P-256, valid for 100 years), for tests only.

/** The private key of {@link TEST_CERT} (PEM). */
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbRNavJIHQT1RYkMH
2xXB1ZrBOOcv7z3oz41LrcDcFAihRANCAATYveL6cMIxmcLgJW3tMlXHH4X1Iizm
i3BPLOpTA4rLlCCbpJ/dxG/mOuCMRry0yn+dgwz1Su46Vy5XmsgOFfFd
-----END PRIVATE KEY-----
`;

/** A self-signed certificate for 127.0.0.1 and localhost (PEM): trust it with `tls: { ca: TEST_CERT }`. */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUFblXxRHxCRRgnTlMwjJYPuQa64YwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTIwMTExN1oYDzIxMjYxMTAx
MjAxMTE3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATYveL6cMIxmcLgJW3tMlXHH4X1Iizmi3BPLOpTA4rLlCCbpJ/dxG/m
OuCMRry0yn+dgwz1Su46Vy5XmsgOFfFdo28wbTAdBgNVHQ4EFgQUwW20UKkfgtJy
n1sBjq5wggyeWHkwHwYDVR0jBBgwFoAUwW20UKkfgtJyn1sBjq5wggyeWHkwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIhAL9voin3K7WxPoou53oEQSmwXoSWlcRBbkl8V7UN6ofVAiAw
R35PrXpqh8YX/5svMPaGl8Mh32KGqp33GgLj7HJ7dA==
-----END CERTIFICATE-----
`;
