#include "hv/isa/decoder.h"

#include <array>
#include <vector>

namespace mipshv {

namespace {
// Each bucket holds its rows' mask and match beside the opcode, so that a
// decode reads a few contiguous cache lines rather than one OpcodeInfo row
// (names, flags, ...) per candidate: a trap decodes with cold caches.
struct Row {
    uint32_t mask, match;
    Opcode op;
};
struct Buckets {
    std::array<std::vector<Row>, 64> by_major;
    Buckets() {
        for (size_t op = 0; op < size_t(Opcode::invalid); ++op) {
            const OpcodeInfo& info = opcode_info(Opcode(op));
            // A row whose mask leaves the major opcode open belongs to every
            // bucket it can match; none does today, but keep it correct.
            for (uint32_t major = 0; major < 64; ++major)
                if (((major << 26) & info.mask) == (info.match & info.mask & 0xfc000000u))
                    by_major[major].push_back({info.mask, info.match, Opcode(op)});
        }
    }
};
const Buckets& buckets() {
    static const Buckets b;
    return b;
}
}  // namespace

Opcode decode_opcode(uint32_t word) {
    for (const Row& row : buckets().by_major[word >> 26])
        if ((word & row.mask) == row.match) return row.op;
    return Opcode::invalid;
}

}  // namespace mipshv
