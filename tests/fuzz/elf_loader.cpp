// Fuzzes the ELF loader (hv/loader/elf_image.*) with arbitrary files: every
// input is either rejected with mipshv::Error or yields an image whose
// segments and symbols the rest of mipshv may trust without checking again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fuzz_input.h"
#include "hv/common/error.h"
#include "hv/loader/elf_image.h"

namespace {
using mipshv_fuzz::wrong;

// What ElfImage promises its users (machine.cpp copies segments into RAM
// and looks symbols up without further checks).
void check_promises(const mipshv::ElfImage& image, size_t file_size) {
    if (image.bytes.size() != file_size || image.segments.empty()) wrong("an image without its file or segments");
    for (const auto& seg : image.segments) {
        if (seg.file_size > seg.mem_size) wrong("a segment larger in the file than in memory");
        if (seg.file_offset > image.bytes.size() || seg.file_size > image.bytes.size() - seg.file_offset)
            wrong("a segment beyond the end of the file");
        uint64_t end;
        if (__builtin_add_overflow(seg.vaddr, seg.mem_size, &end)) wrong("a segment's virtual range overflows");
        if (__builtin_add_overflow(seg.paddr, seg.mem_size, &end)) wrong("a segment's physical range overflows");
    }
    for (size_t i = 0; i < image.symbols.size(); ++i) {
        const auto& sym = image.symbols[i];
        if (sym.name.empty() || (i > 0 && image.symbols[i - 1].addr > sym.addr)) wrong("symbols unnamed or out of order");
        // Every function contains its own address.
        if (image.symbol_at(sym.addr) == nullptr) wrong("a function not found at its own address");
    }
    image.symbol_at(image.entry);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto image = mipshv::parse_elf(std::vector<uint8_t>(data, data + size), "fuzz.elf");
        check_promises(image, size);
        if (mipshv_fuzz::verbose())
            std::fprintf(stderr, "accepted: %zu segments, %zu symbols\n", image.segments.size(), image.symbols.size());
    } catch (const mipshv::Error& e) {
        // A rejected file: the expected outcome for almost every input.
        if (mipshv_fuzz::verbose()) std::fprintf(stderr, "%s\n", e.what());
    }
    return 0;
}
