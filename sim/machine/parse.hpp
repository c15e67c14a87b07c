// Parsing of what people type and give: addresses, sizes, input files. Every function returns an
// error message instead of throwing, so each front end can turn it into its own one-line error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vmtour {

// A value or a one-line reason why there is none. (std::expected is C++23; g++ 12 lacks it.)
template <typename T>
struct Parsed {
    T value{};
    std::string error;  // empty when the value is good
    explicit operator bool() const { return error.empty(); }
};

// "0x1337babe", "0X1337BABE", "322419390", "0b101": an unsigned 64-bit number.
// Rejects empty text, signs, trailing garbage and values that do not fit in 64 bits.
Parsed<std::uint64_t> parse_u64(std::string_view text);

// "4096", "4K", "64M", "1G", "0x1000", "2m": a size in bytes with binary suffixes K, M, G, T
// (an optional trailing "iB" or "B" is accepted: "64MiB"). Rejects 0 unless allow_zero.
Parsed<std::uint64_t> parse_size(std::string_view text, bool allow_zero = false);

// Inputs larger than this are refused: 256 MiB, far above a real process's snapshot (a few MiB)
// and small enough that /dev/zero or an endless pipe cannot take the machine's memory.
inline constexpr std::size_t MAX_INPUT_BYTES = std::size_t{256} << 20;

// The whole text of PATH, or of standard input for "-", at most `limit` bytes. Every file a
// command reads goes through here. Errors, one line each: "PATH: cannot open the WHAT: REASON",
// "PATH: is a directory, not a WHAT", "PATH: the WHAT is larger than 256M; refused (...)".
Parsed<std::string> read_input(const std::string& path, std::string_view what,
                               std::size_t limit = MAX_INPUT_BYTES);

// TEXT made safe to quote in a one-line message: printable ASCII and whole UTF-8 characters as
// they are, every other byte (a control character, half a UTF-8 character) as \xNN.
std::string quote(std::string_view text);

// "4K", "2M", "1G" for sizes that are whole powers of 1024 multiples, else the byte count.
std::string format_size(std::uint64_t bytes);

}  // namespace vmtour
