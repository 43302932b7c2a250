/* The Maglev lookup (Eisenbud et al., NSDI 2016): a flow hash picks one slot of a service's table. */
#ifndef ANYMESH_BPF_MAGLEV_H
#define ANYMESH_BPF_MAGLEV_H

#include "bpf/include/portable.h"

/*
 * A Maglev table is an array of AM_MAGLEV_* entries whose size is prime; each entry names a
 * backend. The C++ builder (dataplane/anycast/maglev.h) fills it, the agent copies it into one
 * BPF array per service, and both data planes then look up slot = hash % size.
 */
#define AM_MAGLEV_DEFAULT_TABLE_SIZE 65537u
/* A slot never filled: only possible for a table the builder did not produce. */
#define AM_MAGLEV_EMPTY 0xffffffffu

AM_INLINE __u32 am_maglev_slot(__u32 hash, __u32 table_size) { return hash % table_size; }

/* For tables in plain memory (C++, tests). BPF programs look the slot up in their array map. */
AM_INLINE __u32 am_maglev_lookup(const __u32 *table, __u32 table_size, __u32 hash) {
  return table[am_maglev_slot(hash, table_size)];
}

#endif /* ANYMESH_BPF_MAGLEV_H */
