#!/usr/bin/env python3
"""Checks OTLP/JSON trace export bodies (one per line on stdin) against opentelemetry-proto.

OTLP/JSON is proto3's JSON mapping of ExportTraceServiceRequest with one difference: trace and
span ids are hex, not base64. Each id is turned into base64 as a receiver does, then the body is
parsed strictly by protobuf's json_format (unknown fields, wrong types and bad enum numbers fail),
and every id must decode to 16 (trace) or 8 (span) bytes. Prints one line per problem and exits 1
when there is any; prints the number of spans checked otherwise.
"""
import base64
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

ID_FIELDS = {"traceId": 16, "spanId": 8, "parentSpanId": 8}


def hex_ids_to_base64(node, problems):
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key in ID_FIELDS and isinstance(value, str):
                try:
                    raw = bytes.fromhex(value)
                except ValueError:
                    problems.append(f"{key} {value!r} is not hex")
                    continue
                if len(raw) != ID_FIELDS[key]:
                    problems.append(f"{key} {value!r} is {len(raw)} bytes, not {ID_FIELDS[key]}")
                node[key] = base64.b64encode(raw).decode()
            else:
                hex_ids_to_base64(value, problems)
    elif isinstance(node, list):
        for value in node:
            hex_ids_to_base64(value, problems)


def main():
    problems = []
    spans = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        document = json.loads(line)
        hex_ids_to_base64(document, problems)
        request = ExportTraceServiceRequest()
        try:
            json_format.Parse(json.dumps(document), request, ignore_unknown_fields=False)
        except json_format.ParseError as error:
            problems.append(f"body {number}: {error}")
            continue
        for resource_spans in request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    spans += 1
                    if span.end_time_unix_nano < span.start_time_unix_nano:
                        problems.append(f"span {span.name}: ends before it starts")
                    if span.kind == 0:
                        problems.append(f"span {span.name}: kind unspecified")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"{spans} spans valid")


if __name__ == "__main__":
    main()
