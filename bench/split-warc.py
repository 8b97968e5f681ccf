#!/usr/bin/env python3
"""Cuts a WARC file whose records are each a gzip member (as CC-NEWS
publishes them) into N files of about equal size at member boundaries, so
several `newsdesk import warc` processes can lease one file each.

    bench/split-warc.py /tmp/warc-bench/day.warc.gz 4 /tmp/warc4/day
    # writes /tmp/warc4/day-1.warc.gz … day-4.warc.gz

The first file keeps the leading warcinfo record.
"""
import sys
import zlib


def member_ends(data):
    """Offsets where each gzip member ends."""
    ends, at = [], 0
    while at < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        fed = at
        while not inflater.eof:
            if fed >= len(data):
                raise SystemExit(f"the gzip member at {at} is cut short")
            chunk = data[fed : fed + 65536]
            inflater.decompress(chunk)
            fed += len(chunk)
        at = fed - len(inflater.unused_data)
        ends.append(at)
    return ends


def main():
    source, parts, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = open(source, "rb").read()
    ends = member_ends(data)
    start = 0
    for part in range(1, parts + 1):
        target = len(data) * part // parts
        end = next(e for e in ends if e >= target) if part < parts else len(data)
        with open(f"{prefix}-{part}.warc.gz", "wb") as out:
            out.write(data[start:end])
        start = end


if __name__ == "__main__":
    main()
