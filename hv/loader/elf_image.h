// A validated, in-memory view of a MIPS64 little-endian ELF64 executable.
// Parsing is strict: anything the loader could misread is rejected with a
// one-line mipshv::Error, so later stages can trust every offset and size.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mipshv {

// One PT_LOAD program header. file_offset/file_size index ElfImage::bytes;
// the remaining mem_size - file_size bytes are zero-filled (.bss).
struct ElfSegment {
    uint64_t vaddr, paddr, file_offset, file_size, mem_size;
    uint32_t flags;  // PF_X | PF_W | PF_R
};

struct ElfSymbol {
    uint64_t addr, size;
    std::string name;
};

struct ElfImage {
    uint64_t entry;
    std::vector<ElfSegment> segments;
    std::vector<uint8_t> bytes;      // the whole file
    std::vector<ElfSymbol> symbols;  // STT_FUNC, sorted by addr, may be empty

    // The function containing addr (a zero-size symbol matches only its own
    // address), or nullptr. Used to annotate traces and crash reports.
    const ElfSymbol* symbol_at(uint64_t addr) const;
};

// `name` is only used in error messages.
ElfImage parse_elf(std::vector<uint8_t> bytes, const std::string& name);
// Reads `path` (read_host_file: a regular file of at most kMaxElfFileBytes)
// and parses it; errors name `option` and the path ("-kernel vmlinux: ...").
ElfImage load_elf_file(const std::string& path, const std::string& option = "-kernel");

// The largest ELF file read: a vmlinux with full debug information fits.
constexpr uint64_t kMaxElfFileBytes = 2ull << 30;

}  // namespace mipshv
