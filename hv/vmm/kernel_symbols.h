// Names for guest kernel addresses (the exit-site report): text symbols from
// a System.map or from the kernel ELF, as linked. A relocatable kernel with
// KASLR (Debian's) moves itself at boot to a random 64 KiB-aligned place past
// its own end and stores how far in __kaslr_offset, in the moved copy
// (arch/mips/kernel/relocate.c); find_relocation finds that offset in guest
// memory after the run, and checks it against linux_banner, so that a map
// of another kernel names nothing rather than the wrong functions.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mipshv {

class KernelSymbols {
public:
    // Text symbols ("addr T|t name" lines), plus the few data symbols the
    // relocation is found by. Throws Error on a file without text symbols.
    void load_system_map(const std::string& path);
    static constexpr uint64_t kMaxSystemMapBytes = 64ull << 20;  // Debian's is a few MiB
    void load_system_map_text(const std::string& text, const std::string& path);
    void add(const std::vector<std::pair<uint64_t, std::string>>& symbols);

    // Reads the guest's u64 at a kernel virtual address, or nullopt.
    using ReadU64 = std::function<std::optional<uint64_t>(uint64_t va)>;
    // The offset the kernel runs at from its link addresses, found in guest
    // memory (0 for a kernel that did not move), or nullopt: no System.map,
    // or one whose linux_banner is not where it says.
    std::optional<int64_t> find_relocation(const ReadU64& read) const;

    // "name+0xoff" for a PC of the kernel (moved by `relocation`), "" for
    // any other address (a module, user code: outside the System.map's
    // _text.._end, init text included) or when no symbols are known.
    std::string symbolize(uint64_t pc, int64_t relocation = 0) const;

private:
    std::vector<std::pair<uint64_t, std::string>> text_;  // sorted by address
    // From a System.map: the kernel's extent, and the data symbols the
    // relocation is found and checked by (0: not listed).
    uint64_t start_ = 0, end_ = 0, kaslr_offset_ = 0, linux_banner_ = 0;
};

}  // namespace mipshv
