// The bench loops, native (see native_loops.h). Built at -O2 without the
// vectoriser (CMakeLists.txt), and each loop kept to the guest loop's shape:
// one iteration per guest iteration (no unrolling), 32-bit operations where
// the guest's are 32-bit, every load and store done (volatile), and the
// branchy loop's two conditional branches kept as branches (an empty asm in
// each conditional block forbids if-conversion). `make bench` prints the
// time per iteration next to the jit's; the assembly is checked with
// `objdump -d --no-show-raw-insn experiments/bench/CMakeFiles/mipshv_bench.dir/native_loops.cpp.o`.
#include "native_loops.h"

namespace mipshv::bench {

// addiu t0,t0,1; xor t1,t1,t0; sll t2,t0,3; addu t3,t3,t2; subu t4,t3,t1;
// or t5,t4,t0; and t6,t5,t1; srl t7,t6,2; bne t0,zero; daddu s0,s0,t7
__attribute__((noinline)) void native_integer(IntegerState& s, uint64_t n) {
    uint32_t t0 = s.t0, t1 = s.t1, t3 = s.t3;
    uint64_t s0 = s.s0;
    const uint32_t end = t0 + uint32_t(n);
#pragma GCC unroll 1
    do {
        t0 += 1;
        t1 ^= t0;
        const uint32_t t2 = t0 << 3;
        t3 += t2;
        const uint32_t t4 = t3 - t1;
        const uint32_t t5 = t4 | t0;
        const uint32_t t6 = t5 & t1;
        const uint32_t t7 = t6 >> 2;
        s0 += uint64_t(int64_t(int32_t(t7)));  // srl's result, sign-extended as in the guest register
    } while (t0 != end);
    s.t0 = t0, s.t1 = t1, s.t3 = t3, s.s0 = s0;
}

// lui s1,0x40; addiu t0,t0,8; andi t1,t0,0xff8; daddu t2,s1,t1; sd t0,0(t2);
// ld t3,0(t2); daddu s0,s0,t3; sw t3,4(t2); lw t4,4(t2); bne t0,zero;
// addu s2,s2,t4
__attribute__((noinline)) void native_load_store(LoadStoreState& s, unsigned char* page, uint64_t n) {
    uint32_t t0 = s.t0, s2 = s.s2;
    uint64_t s0 = s.s0;
    const uint32_t end = t0 + uint32_t(n) * 8;
#pragma GCC unroll 1
    do {
        t0 += 8;
        unsigned char* const t2 = page + (t0 & 0xff8);
        *reinterpret_cast<volatile int64_t*>(t2) = int32_t(t0);  // t0 is sign-extended in the guest register
        const int64_t t3 = *reinterpret_cast<volatile int64_t*>(t2);
        s0 += uint64_t(t3);
        *reinterpret_cast<volatile int32_t*>(t2 + 4) = int32_t(t3);
        const int32_t t4 = *reinterpret_cast<volatile int32_t*>(t2 + 4);
        s2 += uint32_t(t4);
    } while (t0 != end);
    s.t0 = t0, s.s2 = s2, s.s0 = s0;
}

// addiu t0,t0,1; andi t1,t0,1; beq t1,zero,1f; nop; addiu s0,s0,1;
// 1: andi t2,t0,6; bne t2,zero,2f; nop; addiu s1,s1,3; 2: bne t0,zero; nop
__attribute__((noinline)) void native_branchy(BranchyState& s, uint64_t n) {
    uint32_t t0 = s.t0, s0 = s.s0, s1 = s.s1;
    const uint32_t end = t0 + uint32_t(n);
#pragma GCC unroll 1
    do {
        t0 += 1;
        if (t0 & 1) {
            s0 += 1;
            asm volatile("" : "+r"(s0));
        }
        if ((t0 & 6) == 0) {
            s1 += 3;
            asm volatile("" : "+r"(s1));
        }
    } while (t0 != end);
    s.t0 = t0, s.s0 = s0, s.s1 = s1;
}

}  // namespace mipshv::bench
