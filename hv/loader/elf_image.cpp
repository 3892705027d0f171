#include "hv/loader/elf_image.h"

#include <elf.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <tuple>

#include "hv/common/error.h"
#include "hv/common/host_file.h"

namespace mipshv {
namespace {

// Headers are copied straight out of the file with memcpy, which is only right
// when host and guest agree on byte order (guests are always little-endian).
static_assert(std::endian::native == std::endian::little, "mipshv needs a little-endian host");

std::string hex(uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

// Holds the file and its name so every check can fail with one line naming both.
class ElfParser {
public:
    ElfParser(const std::vector<uint8_t>& bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    Elf64_Ehdr header() const {
        if (bytes_.size() < EI_NIDENT)
            fail("too short to be an ELF file (" + std::to_string(bytes_.size()) + " bytes)");
        if (std::memcmp(bytes_.data(), ELFMAG, SELFMAG) != 0) fail("not an ELF file (bad magic)");
        if (bytes_[EI_CLASS] == ELFCLASS32) fail("is a 32-bit ELF; mipshv runs MIPS64 ELF64 images");
        if (bytes_[EI_CLASS] != ELFCLASS64) fail("unknown ELF class " + std::to_string(bytes_[EI_CLASS]));
        if (bytes_[EI_DATA] == ELFDATA2MSB)
            fail("is a big-endian ELF; mipshv runs little-endian (mips64el) images");
        if (bytes_[EI_DATA] != ELFDATA2LSB)
            fail("unknown ELF data encoding " + std::to_string(bytes_[EI_DATA]));
        if (bytes_.size() < sizeof(Elf64_Ehdr))
            fail("too short for an ELF64 header (" + std::to_string(bytes_.size()) + " bytes, need " +
                 std::to_string(sizeof(Elf64_Ehdr)) + ")");

        const auto eh = copy<Elf64_Ehdr>(0);
        if (eh.e_machine != EM_MIPS)
            fail("is not a MIPS ELF (e_machine " + std::to_string(eh.e_machine) + ", need EM_MIPS = 8)");
        if (eh.e_type != ET_EXEC)
            fail("is not an executable (e_type " + std::to_string(eh.e_type) + ", need ET_EXEC = 2)");
        check_table("program header", eh.e_phoff, eh.e_phnum, eh.e_phentsize, sizeof(Elf64_Phdr));
        check_table("section header", eh.e_shoff, eh.e_shnum, eh.e_shentsize, sizeof(Elf64_Shdr));
        return eh;
    }

    std::vector<ElfSegment> load_segments(const Elf64_Ehdr& eh) const {
        std::vector<ElfSegment> segments;
        for (unsigned i = 0; i < eh.e_phnum; ++i) {
            const auto ph = copy<Elf64_Phdr>(eh.e_phoff + i * sizeof(Elf64_Phdr));
            // Only PT_LOAD is ever read; other headers (notes, ABI flags, stack)
            // are toolchain metadata and are left unvalidated on purpose.
            if (ph.p_type != PT_LOAD) continue;
            const std::string what = "segment " + std::to_string(i);
            const uint64_t file_end = add(ph.p_offset, ph.p_filesz, what + " file range");
            add(ph.p_vaddr, ph.p_memsz, what + " virtual address range");
            add(ph.p_paddr, ph.p_memsz, what + " physical address range");
            if (file_end > bytes_.size())
                fail(what + " (offset " + hex(ph.p_offset) + ", size " + hex(ph.p_filesz) +
                     ") extends beyond the end of the file (" + std::to_string(bytes_.size()) + " bytes)");
            if (ph.p_filesz > ph.p_memsz)
                fail(what + " has file size " + hex(ph.p_filesz) + " larger than its memory size " +
                     hex(ph.p_memsz));
            segments.push_back({ph.p_vaddr, ph.p_paddr, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_flags});
        }
        if (segments.empty()) fail("has no PT_LOAD segment");
        return segments;
    }

    // Symbols are a debugging aid, so a missing or damaged table is skipped
    // rather than rejected; bounds are still checked before any read.
    std::vector<ElfSymbol> function_symbols(const Elf64_Ehdr& eh) const {
        std::vector<ElfSymbol> symbols;
        for (unsigned i = 0; i < eh.e_shnum; ++i) {
            const auto symtab = section(eh, i);
            if (symtab.sh_type != SHT_SYMTAB) continue;
            if (symtab.sh_link >= eh.e_shnum || symtab.sh_entsize != sizeof(Elf64_Sym)) break;
            const auto strtab = section(eh, symtab.sh_link);
            if (strtab.sh_type != SHT_STRTAB || !in_file(symtab.sh_offset, symtab.sh_size) ||
                !in_file(strtab.sh_offset, strtab.sh_size))
                break;
            const char* strings = reinterpret_cast<const char*>(bytes_.data() + strtab.sh_offset);
            for (uint64_t s = 0; s < symtab.sh_size / sizeof(Elf64_Sym); ++s) {
                const auto sym = copy<Elf64_Sym>(symtab.sh_offset + s * sizeof(Elf64_Sym));
                if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF) continue;
                if (sym.st_name >= strtab.sh_size) continue;
                const auto max_length = strtab.sh_size - sym.st_name;
                const auto length = strnlen(strings + sym.st_name, max_length);
                if (length == 0 || length == max_length) continue;  // empty or unterminated
                symbols.push_back({sym.st_value, sym.st_size, std::string(strings + sym.st_name, length)});
            }
            break;  // an executable has at most one .symtab
        }
        std::sort(symbols.begin(), symbols.end(), [](const ElfSymbol& a, const ElfSymbol& b) {
            return std::tie(a.addr, a.name) < std::tie(b.addr, b.name);
        });
        return symbols;
    }

private:
    [[noreturn]] void fail(const std::string& problem) const {
        throw Error("mipshv: " + name_ + ": " + problem);
    }

    uint64_t add(uint64_t a, uint64_t b, const std::string& what) const {
        uint64_t sum;
        if (__builtin_add_overflow(a, b, &sum)) fail(what + " overflows 64 bits");
        return sum;
    }

    bool in_file(uint64_t offset, uint64_t size) const {
        uint64_t end;
        return !__builtin_add_overflow(offset, size, &end) && end <= bytes_.size();
    }

    void check_table(const std::string& what, uint64_t offset, uint64_t count, uint64_t entry_size,
                     uint64_t expected_entry_size) const {
        if (count == 0) return;  // e.g. a stripped image without section headers
        if (entry_size != expected_entry_size)
            fail(what + " entry size is " + std::to_string(entry_size) + ", expected " +
                 std::to_string(expected_entry_size));
        const uint64_t end = add(offset, count * entry_size, what + " table end");
        if (end > bytes_.size())
            fail(what + " table (offset " + hex(offset) + ", " + std::to_string(count) +
                 " entries) lies outside the file (" + std::to_string(bytes_.size()) + " bytes)");
    }

    Elf64_Shdr section(const Elf64_Ehdr& eh, unsigned index) const {
        return copy<Elf64_Shdr>(eh.e_shoff + index * sizeof(Elf64_Shdr));
    }

    // Callers have bounds-checked [offset, offset + sizeof(T)).
    template <typename T>
    T copy(uint64_t offset) const {
        T value;
        std::memcpy(&value, bytes_.data() + offset, sizeof value);
        return value;
    }

    const std::vector<uint8_t>& bytes_;
    const std::string& name_;
};

}  // namespace

const ElfSymbol* ElfImage::symbol_at(uint64_t addr) const {
    auto after = std::upper_bound(symbols.begin(), symbols.end(), addr,
                                  [](uint64_t a, const ElfSymbol& sym) { return a < sym.addr; });
    if (after == symbols.begin()) return nullptr;
    const ElfSymbol& sym = *std::prev(after);
    const bool inside = sym.size == 0 ? addr == sym.addr : addr - sym.addr < sym.size;
    return inside ? &sym : nullptr;
}

ElfImage parse_elf(std::vector<uint8_t> bytes, const std::string& name) {
    const ElfParser parser(bytes, name);
    const Elf64_Ehdr eh = parser.header();
    ElfImage image{eh.e_entry, parser.load_segments(eh), {}, parser.function_symbols(eh)};
    image.bytes = std::move(bytes);
    return image;
}

ElfImage load_elf_file(const std::string& path, const std::string& option) {
    return parse_elf(read_host_file({option, path, kMaxElfFileBytes}), option + " " + path);
}

}  // namespace mipshv
