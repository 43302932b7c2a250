#!/usr/bin/python3
"""Re-sends the WireGuard transport messages (type 4) captured in a pcap to HOST:PORT, unchanged."""
import socket
import sys

from scapy.all import UDP, rdpcap  # noqa: E402

pcap, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
sent = 0
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    for pkt in rdpcap(pcap):
        if UDP in pkt:
            payload = bytes(pkt[UDP].payload)
            if len(payload) >= 32 and payload[0] == 4:
                s.sendto(payload, (host, port))
                sent += 1
print(sent)
