// KernelSymbols (hv/vmm/kernel_symbols.h): a System.map's names for kernel
// PCs, moved as far as a KASLR kernel moved itself, found in guest memory.
#include <catch2/catch.hpp>

#include <map>

#include "hv/common/error.h"
#include "hv/vmm/kernel_symbols.h"

using namespace mipshv;

namespace {
// A kernel linked at 0xffffffff80100000 (text, then data, to _end).
const char* kMap =
    "ffffffff80100000 T _text\n"
    "ffffffff80100000 T kernel_entry\n"
    "ffffffff80100400 t local_helper\n"
    "ffffffff80200000 D linux_banner\n"
    "ffffffff80200100 D __kaslr_offset\n"
    "ffffffff80300000 T start_kernel\n"
    "ffffffff80400000 B _end\n";
constexpr uint64_t kBanner = 0x65762078756e694cull;  // "Linux ve"

// Guest memory holding the given u64 words; any other read fails.
KernelSymbols::ReadU64 memory(std::map<uint64_t, uint64_t> words) {
    return [words](uint64_t va) -> std::optional<uint64_t> {
        auto it = words.find(va);
        return it == words.end() ? std::nullopt : std::optional<uint64_t>(it->second);
    };
}
}  // namespace

TEST_CASE("kernel symbols: the relocation a KASLR kernel stored in its moved copy", "[hypervisor]") {
    KernelSymbols s;
    s.load_system_map_text(kMap, "System.map");
    const uint64_t moved = 0x18c0000;
    // The original copy stays behind, its __kaslr_offset zero.
    auto mem = memory({{0xffffffff80200100ull, 0}, {0xffffffff80200000ull, kBanner},
                       {0xffffffff80200100ull + moved, moved}, {0xffffffff80200000ull + moved, kBanner}});
    const auto relocation = s.find_relocation(mem);
    REQUIRE(relocation == int64_t(moved));
    CHECK(s.symbolize(0xffffffff80100404ull + moved, *relocation) == "local_helper+0x4");
    CHECK(s.symbolize(0xffffffff80300010ull + moved, *relocation) == "start_kernel+0x10");  // init text
    CHECK(s.symbolize(0xffffffffc0001000ull, *relocation).empty());                       // a module
    CHECK(s.symbolize(0x120001000ull, *relocation).empty());                               // user code
    CHECK(s.symbolize(0xffffffff80100404ull, *relocation).empty());  // the copy left behind
}

TEST_CASE("kernel symbols: a kernel that did not move, and a map of another kernel", "[hypervisor]") {
    KernelSymbols s;
    s.load_system_map_text(kMap, "System.map");
    CHECK(s.find_relocation(memory({{0xffffffff80200100ull, 0}, {0xffffffff80200000ull, kBanner}})) == 0);
    CHECK(s.symbolize(0xffffffff80100008ull) == "kernel_entry+0x8");
    // A __kaslr_offset that holds its own distance, but no banner there.
    CHECK(!s.find_relocation(memory({{0xffffffff80210100ull, 0x10000}, {0xffffffff80200100ull, 0}})));
    CHECK(!s.find_relocation(memory({})));
    KernelSymbols none;
    CHECK(!none.find_relocation(memory({{0xffffffff80200100ull, 0}})));
    CHECK(none.symbolize(0xffffffff80100008ull).empty());
    CHECK_THROWS_AS(s.load_system_map_text("ffffffff80200000 D linux_banner\nnot a line\n", "m"), Error);
}
