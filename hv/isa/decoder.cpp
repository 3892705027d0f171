#include "hv/isa/decoder.h"

#include <array>
#include <vector>

namespace mipshv {

namespace {
struct Buckets {
    std::array<std::vector<Opcode>, 64> by_major;
    Buckets() {
        for (size_t op = 0; op < size_t(Opcode::invalid); ++op) {
            const OpcodeInfo& info = opcode_info(Opcode(op));
            // A row whose mask leaves the major opcode open belongs to every
            // bucket it can match; none does today, but keep it correct.
            for (uint32_t major = 0; major < 64; ++major)
                if (((major << 26) & info.mask) == (info.match & info.mask & 0xfc000000u))
                    by_major[major].push_back(Opcode(op));
        }
    }
};
const Buckets& buckets() {
    static const Buckets b;
    return b;
}
}  // namespace

Opcode decode_opcode(uint32_t word) {
    for (Opcode op : buckets().by_major[word >> 26]) {
        const OpcodeInfo& info = opcode_info(op);
        if ((word & info.mask) == info.match) return op;
    }
    return Opcode::invalid;
}

}  // namespace mipshv
