/* Spellings that let the bpf/include headers compile as BPF C (clang -target bpf) and as C++20. */
#ifndef ANYMESH_BPF_PORTABLE_H
#define ANYMESH_BPF_PORTABLE_H

/* Fixed-width __u8..__u64 only: BPF objects cannot include glibc's <stdint.h>. */
#include <linux/types.h>

/* BPF programs need every helper inlined (no bpf-to-bpf calls on old kernels); C++ just inlines. */
#define AM_INLINE static inline __attribute__((always_inline))

#ifdef __cplusplus
#define AM_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define AM_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#endif /* ANYMESH_BPF_PORTABLE_H */
