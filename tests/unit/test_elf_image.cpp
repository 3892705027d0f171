#include <catch2/catch.hpp>
#include <elf.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "hv/common/error.h"
#include "hv/loader/elf_image.h"

using mipshv::parse_elf;

namespace {

// Layout of the test image: ELF header, a PT_LOAD and a PT_NOTE program
// header, 16 bytes of code; with symbols, also .strtab, .symtab and three
// section headers (null, .symtab, .strtab).
constexpr uint64_t kBase = 0xffffffff80100000;
constexpr size_t kLoadPhdr = sizeof(Elf64_Ehdr);
constexpr size_t kNotePhdr = kLoadPhdr + sizeof(Elf64_Phdr);
constexpr size_t kCode = kNotePhdr + sizeof(Elf64_Phdr);
constexpr size_t kCodeSize = 16;
constexpr char kStrings[] = "\0_start\0helper\0tiny\0table\0undefined";  // offsets 1, 8, 15, 20, 26
constexpr size_t kStrtab = kCode + kCodeSize;
constexpr size_t kSymtab = (kStrtab + sizeof kStrings + 7) & ~size_t{7};
constexpr size_t kSymbolCount = 7;
constexpr size_t kShdrs = kSymtab + kSymbolCount * sizeof(Elf64_Sym);
constexpr size_t kSymtabShdr = kShdrs + sizeof(Elf64_Shdr);
constexpr size_t kStrtabShdr = kSymtabShdr + sizeof(Elf64_Shdr);

template <typename T>
void put(std::vector<uint8_t>& bytes, size_t offset, const T& value) {
    if (bytes.size() < offset + sizeof value) bytes.resize(offset + sizeof value);
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

// Overwrites one field of a header already in `bytes`.
template <typename T>
void poke(std::vector<uint8_t>& bytes, size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

Elf64_Sym symbol(uint32_t name, unsigned type, uint16_t section, uint64_t value, uint64_t size) {
    return {name, static_cast<unsigned char>(ELF64_ST_INFO(STB_GLOBAL, type)), 0, section, value, size};
}

std::vector<uint8_t> make_elf(bool with_symbols = false) {
    std::vector<uint8_t> bytes;
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_MIPS;
    eh.e_version = EV_CURRENT;
    eh.e_entry = kBase;
    eh.e_phoff = kLoadPhdr;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    if (with_symbols) {
        eh.e_shoff = kShdrs;
        eh.e_shnum = 3;
    }
    put(bytes, 0, eh);
    put(bytes, kLoadPhdr, Elf64_Phdr{PT_LOAD, PF_R | PF_X, kCode, kBase, kBase - 0xffffffff00000000, kCodeSize,
                                     kCodeSize + 0x100, 0x10});
    put(bytes, kNotePhdr, Elf64_Phdr{PT_NOTE, PF_R, kCode, kBase, kBase, 4, 4, 4});
    for (size_t i = 0; i < kCodeSize; ++i) bytes.push_back(static_cast<uint8_t>(i));
    if (!with_symbols) return bytes;

    put(bytes, kStrtab, kStrings);
    const Elf64_Sym symbols[kSymbolCount] = {
        {},                                                // the mandatory null symbol
        symbol(8, STT_FUNC, 1, kBase + 8, 8),              // helper, listed before _start
        symbol(1, STT_FUNC, 1, kBase, 8),                  // _start
        symbol(15, STT_FUNC, 1, kBase + 0x40, 0),          // tiny: size unknown
        symbol(20, STT_OBJECT, 1, kBase + 0x80, 8),        // table: data, not a function
        symbol(26, STT_FUNC, SHN_UNDEF, 0, 0),             // undefined: not in this image
        symbol(sizeof kStrings, STT_FUNC, 1, kBase, 4),    // name offset out of bounds
    };
    put(bytes, kSymtab, symbols);
    put(bytes, kShdrs, Elf64_Shdr{});
    put(bytes, kSymtabShdr,
        Elf64_Shdr{0, SHT_SYMTAB, 0, 0, kSymtab, sizeof symbols, 2, 1, 8, sizeof(Elf64_Sym)});
    put(bytes, kStrtabShdr, Elf64_Shdr{0, SHT_STRTAB, 0, 0, kStrtab, sizeof kStrings, 0, 0, 1, 0});
    return bytes;
}

std::string error_of(std::vector<uint8_t> bytes) {
    try {
        parse_elf(std::move(bytes), "test.elf");
    } catch (const mipshv::Error& e) {
        const std::string message = e.what();
        CHECK(message.rfind("mipshv: test.elf: ", 0) == 0);
        CHECK(message.find('\n') == std::string::npos);
        return message;
    }
    FAIL("expected mipshv::Error");
    return {};
}

std::string write_temp_file(const std::vector<uint8_t>& bytes) {
    char path[] = "/tmp/mipshv_test_elf_XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    close(fd);
    return path;
}

}  // namespace

TEST_CASE("a minimal valid executable", "[elf]") {
    const auto bytes = make_elf();
    const auto image = parse_elf(bytes, "test.elf");
    CHECK(image.entry == kBase);
    CHECK(image.bytes == bytes);
    CHECK(image.symbols.empty());
    CHECK(image.symbol_at(kBase) == nullptr);
    REQUIRE(image.segments.size() == 1);  // the PT_NOTE is not a segment to load
    const auto& segment = image.segments[0];
    CHECK(segment.vaddr == kBase);
    CHECK(segment.paddr == 0x80100000);
    CHECK(segment.file_offset == kCode);
    CHECK(segment.file_size == kCodeSize);
    CHECK(segment.mem_size == kCodeSize + 0x100);
    CHECK(segment.flags == (PF_R | PF_X));
}

TEST_CASE("function symbols are read, filtered and sorted", "[elf]") {
    const auto image = parse_elf(make_elf(true), "test.elf");
    REQUIRE(image.symbols.size() == 3);
    CHECK(image.symbols[0].name == "_start");
    CHECK(image.symbols[0].addr == kBase);
    CHECK(image.symbols[0].size == 8);
    CHECK(image.symbols[1].name == "helper");
    CHECK(image.symbols[2].name == "tiny");
}

TEST_CASE("symbol_at finds the enclosing function", "[elf]") {
    const auto image = parse_elf(make_elf(true), "test.elf");
    const auto name_at = [&](uint64_t addr) -> std::string {
        const auto* sym = image.symbol_at(addr);
        return sym ? sym->name : "(none)";
    };
    CHECK(name_at(kBase - 4) == "(none)");
    CHECK(name_at(kBase) == "_start");
    CHECK(name_at(kBase + 7) == "_start");
    CHECK(name_at(kBase + 8) == "helper");
    CHECK(name_at(kBase + 15) == "helper");
    CHECK(name_at(kBase + 16) == "(none)");
    CHECK(name_at(kBase + 0x40) == "tiny");  // zero size: only its own address
    CHECK(name_at(kBase + 0x44) == "(none)");
    CHECK(name_at(kBase + 0x80) == "(none)");  // an object, not a function
    CHECK(name_at(UINT64_MAX) == "(none)");
}

TEST_CASE("a damaged symbol table is ignored, not fatal", "[elf]") {
    auto check_no_symbols = [](std::vector<uint8_t> bytes) {
        const auto image = parse_elf(std::move(bytes), "test.elf");
        CHECK(image.symbols.empty());
        CHECK(image.segments.size() == 1);
    };
    SECTION("symtab beyond the file") {
        auto bytes = make_elf(true);
        poke(bytes, kSymtabShdr + offsetof(Elf64_Shdr, sh_size), uint64_t{bytes.size()});
        check_no_symbols(bytes);
    }
    SECTION("symtab size overflows") {
        auto bytes = make_elf(true);
        poke(bytes, kSymtabShdr + offsetof(Elf64_Shdr, sh_offset), UINT64_MAX - 8);
        check_no_symbols(bytes);
    }
    SECTION("strtab beyond the file") {
        auto bytes = make_elf(true);
        poke(bytes, kStrtabShdr + offsetof(Elf64_Shdr, sh_offset), uint64_t{bytes.size()});
        check_no_symbols(bytes);
    }
    SECTION("sh_link out of range") {
        auto bytes = make_elf(true);
        poke(bytes, kSymtabShdr + offsetof(Elf64_Shdr, sh_link), uint32_t{3});
        check_no_symbols(bytes);
    }
    SECTION("sh_link names a section that is not a string table") {
        auto bytes = make_elf(true);
        poke(bytes, kStrtabShdr + offsetof(Elf64_Shdr, sh_type), uint32_t{SHT_PROGBITS});
        check_no_symbols(bytes);
    }
    SECTION("unexpected symbol entry size") {
        auto bytes = make_elf(true);
        poke(bytes, kSymtabShdr + offsetof(Elf64_Shdr, sh_entsize), uint64_t{16});
        check_no_symbols(bytes);
    }
    SECTION("unterminated string table") {
        auto bytes = make_elf(true);
        for (size_t nul : {19, 25, 35}) poke(bytes, kStrtab + nul, 'x');  // "tiny" now runs off the end
        const auto image = parse_elf(bytes, "test.elf");
        REQUIRE(image.symbols.size() == 2);
        CHECK(image.symbols[0].name == "_start");
        CHECK(image.symbols[1].name == "helper");
    }
}

TEST_CASE("non-PT_LOAD program headers are not validated", "[elf]") {
    auto bytes = make_elf();
    poke(bytes, kNotePhdr + offsetof(Elf64_Phdr, p_offset), UINT64_MAX);
    CHECK(parse_elf(bytes, "test.elf").segments.size() == 1);
}

TEST_CASE("the header is validated", "[elf]") {
    const auto valid = make_elf();
    auto bytes = valid;

    CHECK(error_of({}) == "mipshv: test.elf: too short to be an ELF file (0 bytes)");
    CHECK(error_of({0x7f, 'E', 'L', 'F'}) == "mipshv: test.elf: too short to be an ELF file (4 bytes)");

    bytes[1] = 'X';
    CHECK(error_of(bytes) == "mipshv: test.elf: not an ELF file (bad magic)");

    bytes = valid;
    bytes[EI_CLASS] = ELFCLASS32;
    CHECK(error_of(bytes) == "mipshv: test.elf: is a 32-bit ELF; mipshv runs MIPS64 ELF64 images");
    bytes[EI_CLASS] = 7;
    CHECK(error_of(bytes) == "mipshv: test.elf: unknown ELF class 7");

    bytes = valid;
    bytes[EI_DATA] = ELFDATA2MSB;
    CHECK(error_of(bytes) == "mipshv: test.elf: is a big-endian ELF; mipshv runs little-endian (mips64el) images");
    bytes[EI_DATA] = 0;
    CHECK(error_of(bytes) == "mipshv: test.elf: unknown ELF data encoding 0");

    bytes.assign(valid.begin(), valid.begin() + sizeof(Elf64_Ehdr) - 1);
    CHECK(error_of(bytes) == "mipshv: test.elf: too short for an ELF64 header (63 bytes, need 64)");

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_machine), uint16_t{EM_X86_64});
    CHECK(error_of(bytes) == "mipshv: test.elf: is not a MIPS ELF (e_machine 62, need EM_MIPS = 8)");

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_type), uint16_t{ET_DYN});
    CHECK(error_of(bytes) == "mipshv: test.elf: is not an executable (e_type 3, need ET_EXEC = 2)");
}

TEST_CASE("header tables must lie inside the file", "[elf]") {
    const auto valid = make_elf(true);
    auto bytes = valid;

    poke(bytes, offsetof(Elf64_Ehdr, e_phentsize), uint16_t{32});
    CHECK(error_of(bytes) == "mipshv: test.elf: program header entry size is 32, expected 56");

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_phoff), uint64_t{valid.size() - sizeof(Elf64_Phdr)});
    CHECK_THAT(error_of(bytes), Catch::Contains("program header table (offset ") &&
                                    Catch::Contains("2 entries) lies outside the file"));

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_phoff), UINT64_MAX - sizeof(Elf64_Phdr));
    CHECK(error_of(bytes) == "mipshv: test.elf: program header table end overflows 64 bits");

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_shentsize), uint16_t{40});
    CHECK(error_of(bytes) == "mipshv: test.elf: section header entry size is 40, expected 64");

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_shoff), uint64_t{kShdrs + 1});
    CHECK_THAT(error_of(bytes), Catch::Contains("section header table (offset ") &&
                                    Catch::Contains("3 entries) lies outside the file"));

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_shoff), UINT64_MAX);
    CHECK(error_of(bytes) == "mipshv: test.elf: section header table end overflows 64 bits");

    // Without sections the section header offset is never used.
    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_shnum), uint16_t{0});
    poke(bytes, offsetof(Elf64_Ehdr, e_shoff), UINT64_MAX);
    CHECK(parse_elf(bytes, "test.elf").symbols.empty());
}

TEST_CASE("PT_LOAD segments are validated", "[elf]") {
    const auto valid = make_elf();
    auto bytes = valid;
    const auto field = [](size_t offset) { return kLoadPhdr + offset; };

    poke(bytes, field(offsetof(Elf64_Phdr, p_filesz)), uint64_t{kCodeSize + 1});
    CHECK(error_of(bytes) ==
          "mipshv: test.elf: segment 0 (offset 0xb0, size 0x11) extends beyond the end of the file (192 bytes)");

    bytes = valid;
    poke(bytes, field(offsetof(Elf64_Phdr, p_offset)), UINT64_MAX - 4);
    CHECK(error_of(bytes) == "mipshv: test.elf: segment 0 file range overflows 64 bits");

    bytes = valid;
    poke(bytes, field(offsetof(Elf64_Phdr, p_vaddr)), UINT64_MAX - 0x10);
    CHECK(error_of(bytes) == "mipshv: test.elf: segment 0 virtual address range overflows 64 bits");

    bytes = valid;
    poke(bytes, field(offsetof(Elf64_Phdr, p_paddr)), UINT64_MAX - 0x10);
    CHECK(error_of(bytes) == "mipshv: test.elf: segment 0 physical address range overflows 64 bits");

    bytes = valid;
    poke(bytes, field(offsetof(Elf64_Phdr, p_memsz)), uint64_t{kCodeSize - 1});
    CHECK(error_of(bytes) == "mipshv: test.elf: segment 0 has file size 0x10 larger than its memory size 0xf");

    bytes = valid;
    poke(bytes, field(offsetof(Elf64_Phdr, p_type)), uint32_t{PT_NULL});
    CHECK(error_of(bytes) == "mipshv: test.elf: has no PT_LOAD segment");

    bytes = valid;
    poke(bytes, offsetof(Elf64_Ehdr, e_phnum), uint16_t{0});
    CHECK(error_of(bytes) == "mipshv: test.elf: has no PT_LOAD segment");
}

TEST_CASE("load_elf_file reads a file from disk", "[elf]") {
    const auto bytes = make_elf(true);
    const std::string path = write_temp_file(bytes);
    const auto image = mipshv::load_elf_file(path);
    std::remove(path.c_str());
    CHECK(image.bytes == bytes);
    CHECK(image.symbols.size() == 3);
}

TEST_CASE("load_elf_file reports unreadable files", "[elf]") {
    CHECK_THROWS_WITH(mipshv::load_elf_file("/nonexistent/vmlinux"),
                      "mipshv: -kernel /nonexistent/vmlinux: cannot open: No such file or directory");
    CHECK_THROWS_WITH(mipshv::load_elf_file("/tmp"), "mipshv: -kernel /tmp: a directory, not a regular file");

    const std::string path = write_temp_file({'n', 'o', 't', ' ', 'e', 'l', 'f', '!', '!', '!', '!', '!',
                                              '!', '!', '!', '!'});
    CHECK_THROWS_WITH(mipshv::load_elf_file(path), "mipshv: -kernel " + path + ": not an ELF file (bad magic)");
    CHECK_THROWS_WITH(mipshv::load_elf_file(path, "-bios"), "mipshv: -bios " + path + ": not an ELF file (bad magic)");
    std::remove(path.c_str());
}
