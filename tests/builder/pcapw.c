/* placeholder: the pcap/pcapng writer is being written */
