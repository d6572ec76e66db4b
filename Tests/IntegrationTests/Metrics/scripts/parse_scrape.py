"""Parses a /metrics scrape (standard input) with the Prometheus client's own text parser and prints one JSON
object: every family's type and every sample's name, labels and value. The parser raises on text it cannot read,
which fails the test with its message."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    families = []
    for family in text_string_to_metric_families(sys.stdin.read()):
        families.append({
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
        })
    print(json.dumps({"families": families}))


main()
