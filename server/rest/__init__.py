"""The v4 admin REST API, wire-compatible with Tencent Cloud Chat (rest-api.md)."""
