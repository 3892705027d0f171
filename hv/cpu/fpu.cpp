#include "hv/cpu/fpu.h"

#include "hv/cpu/exception.h"

namespace mipshv {

using namespace fpu;

namespace {
uint32_t enables(uint32_t fcsr) { return (fcsr & ENABLES) >> ENABLES_SHIFT; }
uint32_t cause(uint32_t fcsr) { return (fcsr & CAUSE) >> CAUSE_SHIFT; }
}  // namespace

void fpu_reset(Cpu& c) {
    c.fpu.fir = kFirValue;
    c.fpu.fcsr = 0;
}

bool fpu_usable(Cpu& c, const Insn& i) {
    if (c.cp0.status & cp0::status::CU1) [[likely]]
        return true;
    return raise_coprocessor_unusable(c, i, 1);
}

bool fpu_finish(Cpu& c, const Insn& i, unsigned flags) {
    uint32_t& f = c.fpu.fcsr;
    f = (f & ~CAUSE) | (flags << CAUSE_SHIFT);
    if (!flags) return true;
    if (enables(f) & flags) return raise(c, i, Exc::FPE);
    f |= (flags & 0x1f) << FLAGS_SHIFT;
    return true;
}

uint64_t fpu_read_control(const Cpu& c, unsigned fs) {
    const uint32_t f = c.fpu.fcsr;
    switch (fs) {
        case 0: return sext32(c.fpu.fir);
        case 1:
        case 5: return 0;
        case 25: return ((f >> 24) & 0xfe) | ((f >> 23) & 1);  // FCCR: cc7..cc1, cc0
        case 26: return f & (CAUSE | FLAGS);                   // FEXR
        case 28: return (f & (ENABLES | RM)) | ((f >> 22) & 4);  // FENR: enables, FS, RM
        default: return sext32(f);
    }
}

bool fpu_write_control(Cpu& c, const Insn& i, unsigned fs, uint64_t v) {
    uint32_t& f = c.fpu.fcsr;
    switch (fs) {
        case 25:
            if (v & ~0xffull) return true;
            f = (f & 0x017fffffu) | uint32_t((v & 0xfe) << 24) | uint32_t((v & 1) << 23);
            break;
        case 26:
            if (v & 0x007c0000ull) return true;
            f = (f & ~(CAUSE | FLAGS)) | (uint32_t(v) & (CAUSE | FLAGS));
            break;
        case 28:
            if (v & 0x007c0000ull) return true;
            f = (f & ~(ENABLES | RM | FS)) | (uint32_t(v) & (ENABLES | RM)) | ((uint32_t(v) & 4) << 22);
            break;
        case 31:
            f = (uint32_t(v) & FCSR_WRITABLE) | (f & ~FCSR_WRITABLE);
            break;
        default:
            return true;
    }
    if ((enables(f) | EX_E) & cause(f)) return raise(c, i, Exc::FPE);
    return true;
}

}  // namespace mipshv
