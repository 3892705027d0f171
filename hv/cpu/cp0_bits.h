// Coprocessor 0 register numbers and bit fields (MIPS64 PRA, Release 2).
#pragma once
#include <cstdint>

namespace mipshv::cp0 {

// Register numbers (select 0 unless noted).
enum Reg : unsigned {
    INDEX = 0, RANDOM = 1, ENTRYLO0 = 2, ENTRYLO1 = 3, CONTEXT = 4 /* sel 2: UserLocal */,
    PAGEMASK = 5, WIRED = 6, HWRENA = 7, BADVADDR = 8, COUNT = 9, ENTRYHI = 10,
    COMPARE = 11, STATUS = 12 /* sel 1 IntCtl, 2 SRSCtl */, CAUSE = 13, EPC = 14,
    PRID = 15 /* sel 1 EBase */, CONFIG = 16, LLADDR = 17, WATCHLO = 18, WATCHHI = 19,
    XCONTEXT = 20, DEBUG = 23, DEPC = 24, PERFCNT = 25, ERRCTL = 26, CACHEERR = 27,
    TAGLO = 28, TAGHI = 29, ERROREPC = 30, DESAVE = 31 /* sel 2..7 KScratch */,
};

namespace status {
constexpr uint64_t IE = 1u << 0, EXL = 1u << 1, ERL = 1u << 2;
constexpr unsigned KSU_SHIFT = 3;
constexpr uint64_t KSU = 3u << 3, UX = 1u << 5, SX = 1u << 6, KX = 1u << 7;
constexpr uint64_t IM = 0xffu << 8, NMI = 1u << 19, SR = 1u << 20, TS = 1u << 21;
constexpr uint64_t BEV = 1u << 22, FR = 1u << 26, RP = 1u << 27;
constexpr uint64_t CU0 = 1u << 28, CU1 = 1u << 29, CU2 = 1u << 30, CU3 = 1u << 31;
// Bits software can write; the rest read as zero (no MX, PX, RE, CU2/3).
constexpr uint64_t WRITABLE = IE | EXL | ERL | KSU | UX | SX | KX | IM | NMI | SR | TS |
                              BEV | FR | RP | CU0 | CU1;
}  // namespace status

namespace cause {
constexpr unsigned EXCCODE_SHIFT = 2;
constexpr uint64_t EXCCODE = 0x1fu << 2, IP = 0xffu << 8, IP_SW = 0x3u << 8;
constexpr uint64_t IV = 1u << 23, PCI = 1u << 26, DC = 1u << 27;
constexpr unsigned CE_SHIFT = 28;
constexpr uint64_t CE = 3u << 28, TI = 1u << 30, BD = 1ull << 31;
constexpr uint64_t WRITABLE = IP_SW | IV | DC;
constexpr unsigned IP_TIMER = 7;  // Count/Compare drives IP7 (IntCtl.IPTI)
}  // namespace cause

// Write masks shared by cp0_write and the hypervisor's patch stubs.
constexpr uint64_t kEntryLoWriteMask = (((1ull << (36 - 12)) - 1) << 6) | 0x3f;  // PFN for 36 PA bits, C, D, V, G
constexpr uint64_t kPageMaskWriteMask = 0x1fffe000;
constexpr uint64_t kEntryHiWriteMask = (3ull << 62) | (((1ull << 40) - 1) & ~0x1fffull) | 0xff;  // R, VPN2 for 40 VA bits, ASID
constexpr uint64_t kContextWritable = ~0x7fffffull;  // PTEBase; BadVPN2 is read-only

namespace entrylo {
constexpr uint64_t G = 1, V = 2, D = 4;
constexpr unsigned C_SHIFT = 3, PFN_SHIFT = 6;
}  // namespace entrylo

}  // namespace mipshv::cp0
