#include "hv/isa/disasm.h"

#include <capstone/capstone.h>

#include <cctype>
#include <cstdio>

#include "hv/common/error.h"

namespace mipshv {
namespace {

// A Capstone handle is not safe to share between threads, and opening one per
// call is slow, so each thread opens its own the first time it disassembles.
class CapstoneHandle {
public:
    CapstoneHandle() {
        const auto mode = static_cast<cs_mode>(CS_MODE_MIPS64 | CS_MODE_LITTLE_ENDIAN);
        if (cs_open(CS_ARCH_MIPS, mode, &handle_) != CS_ERR_OK)
            throw Error("mipshv: cannot initialise the Capstone MIPS64 disassembler");
        cs_option(handle_, CS_OPT_DETAIL, CS_OPT_ON);  // to find branch targets
    }
    ~CapstoneHandle() { cs_close(&handle_); }
    CapstoneHandle(const CapstoneHandle&) = delete;
    CapstoneHandle& operator=(const CapstoneHandle&) = delete;

    csh get() const { return handle_; }

private:
    csh handle_ = 0;
};

std::string word_directive(uint32_t word) {
    char text[20];
    std::snprintf(text, sizeof text, ".word 0x%08x", word);
    return text;
}

// Capstone 4 leaves jal out of every group, hence the explicit id check.
bool is_branch_or_jump(csh handle, const cs_insn& insn) {
    return insn.id == MIPS_INS_JAL || cs_insn_group(handle, &insn, CS_GRP_JUMP) ||
           cs_insn_group(handle, &insn, CS_GRP_CALL) || cs_insn_group(handle, &insn, CS_GRP_BRANCH_RELATIVE);
}

// Capstone prints immediates as signed, so a branch into kseg0 reads as
// "-0x7fffefa4". Branch targets are addresses: show them unsigned, 64-bit.
std::string operands(csh handle, const cs_insn& insn) {
    const std::string text = insn.op_str;
    const cs_mips& mips = insn.detail->mips;
    if (mips.op_count == 0 || !is_branch_or_jump(handle, insn)) return text;
    const cs_mips_op& target = mips.operands[mips.op_count - 1];
    if (target.type != MIPS_OP_IMM) return text;
    char address[24];
    std::snprintf(address, sizeof address, "0x%llx", static_cast<unsigned long long>(target.imm));
    const auto last_comma = text.rfind(", ");
    return last_comma == std::string::npos ? address : text.substr(0, last_comma + 2) + address;
}

// Capstone names the CP0 register of mfc0/mtc0 as if it were a GPR ("$t5"
// for Cause); CP0 registers are numbers, so print "$13, 0" instead.
std::string cp0_operands(const std::string& text, uint32_t word) {
    const auto comma = text.find(", ");
    if (comma == std::string::npos) return text;
    return text.substr(0, comma) + ", $" + std::to_string((word >> 11) & 31) + ", " + std::to_string(word & 7);
}

// Capstone names $8-$15 as o32 does (t0-t7); mipshv's register dumps use
// the n64 names of the guest's ABI (kGprNames), so rename them to match.
std::string n64_register_names(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size();) {
        const bool o32_temp = i + 2 < text.size() && text[i] == '$' && text[i + 1] == 't' && text[i + 2] >= '0' &&
                              text[i + 2] <= '7' &&
                              (i + 3 == text.size() || !std::isalnum(static_cast<unsigned char>(text[i + 3])));
        if (o32_temp) {
            out += '$';
            out += kGprNames[8 + (text[i + 2] - '0')];
            i += 3;
        } else {
            out += text[i++];
        }
    }
    return out;
}

bool is_cp0_move(const std::string& mnemonic) {
    return mnemonic == "mfc0" || mnemonic == "mtc0" || mnemonic == "dmfc0" || mnemonic == "dmtc0";
}

}  // namespace

std::string disassemble(uint32_t word, uint64_t pc) {
    thread_local const CapstoneHandle capstone;
    const uint8_t code[4] = {uint8_t(word), uint8_t(word >> 8), uint8_t(word >> 16), uint8_t(word >> 24)};
    cs_insn* insn = nullptr;
    if (cs_disasm(capstone.get(), code, sizeof code, pc, 1, &insn) != 1) return word_directive(word);
    std::string text = insn->mnemonic;
    if (insn->op_str[0] != '\0') {
        const std::string ops = n64_register_names(operands(capstone.get(), *insn));
        text += ' ' + (is_cp0_move(text) ? cp0_operands(ops, word) : ops);
    }
    cs_free(insn, 1);
    return text;
}

}  // namespace mipshv
