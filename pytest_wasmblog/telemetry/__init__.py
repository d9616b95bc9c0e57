"""What a site under test sends to OpenTelemetry, received by the test server and queried by tests.

otlp.py  OTLP/HTTP decoding (JSON and binary protobuf) into flat records, and the thread-safe
         TelemetryStore that the server's /v1/traces, /v1/metrics and /v1/logs handlers fill
"""
