#include "machine_file.hpp"

#include "bits.hpp"
#include "builder.hpp"
#include "walk.hpp"

#include <cctype>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace vmtour {

namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
        if (j > i) words.push_back(line.substr(i, j - i));
        i = j;
    }
    return words;
}

// The control bits a machine file may set, each with where it lives in Control.
struct BitSetting {
    std::string_view name;
    bool Control::*field;
};
constexpr BitSetting BIT_SETTINGS[] = {
    {"cr0.wp", &Control::cr0_wp},     {"cr4.pse", &Control::cr4_pse},     {"cr4.smep", &Control::cr4_smep},
    {"cr4.smap", &Control::cr4_smap}, {"efer.nxe", &Control::efer_nxe}, {"rflags.ac", &Control::rflags_ac},
    {"cr4.pcide", &Control::cr4_pcide},
};

class Parser {
public:
    Parser(std::string_view name, const MachineLimits& limits) : name_(name), limits_(limits) {
        m_.mem.set_max_frames(limits.max_frames);
    }

    Parsed<Machine> run(std::string_view text) {
        std::size_t pos = 0;
        while (pos <= text.size() && error_.empty()) {
            const std::size_t nl = text.find('\n', pos);
            std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
            ++line_no_;
            if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
            if (line.find('\0') != std::string_view::npos) fail("the file contains a NUL byte (is it binary?)");
            else if (auto words = split_words(line); !words.empty()) handle(words);
            if (nl == std::string_view::npos) break;
            pos = nl + 1;
        }
        if (error_.empty()) finish();
        Parsed<Machine> out;
        if (!error_.empty()) out.error = error_;
        else out.value = std::move(m_);
        return out;
    }

private:
    template <typename... Args>
    void fail(fmt::format_string<Args...> f, Args&&... args) {
        if (error_.empty())
            error_ = fmt::format("{}:{}: {}", name_, line_no_, fmt::format(f, std::forward<Args>(args)...));
    }

    std::optional<std::uint64_t> number(std::string_view w) {
        auto n = parse_u64(w);
        if (!n) {
            fail("{}", n.error);
            return std::nullopt;
        }
        return n.value;
    }

    bool words_count(const std::vector<std::string_view>& w, std::size_t lo, std::size_t hi, std::string_view usage) {
        if (w.size() < lo || w.size() > hi) {
            fail("expected '{}'", usage);
            return false;
        }
        return true;
    }

    void setting_once(std::string_view key) {
        if (auto it = seen_.find(std::string(key)); it != seen_.end())
            fail("'{}' is given twice (first on line {})", key, it->second);
        else seen_.emplace(key, line_no_);
        if (body_started_) fail("'{}' must come before the first table, entry or map line", key);
    }

    void handle(const std::vector<std::string_view>& w) {
        const std::string_view key = w[0];
        if (!have_header_) {
            if (key != "vmtour-machine")
                return fail("the first line must be 'vmtour-machine {}' (is this a machine file?)", MACHINE_FORMAT_VERSION);
            if (!words_count(w, 2, 2, "vmtour-machine VERSION")) return;
            if (w[1] != fmt::format("{}", MACHINE_FORMAT_VERSION))
                return fail("format version '{}' is not supported (this vmsim reads version {})", quote(w[1]), MACHINE_FORMAT_VERSION);
            have_header_ = true;
            return;
        }
        if (key == "vmtour-machine") return fail("'vmtour-machine' is given twice");
        if (key == "mode") return set_mode(w);
        for (const auto& b : BIT_SETTINGS)
            if (key == b.name) return set_bit(w, b);
        if (key == "cr3") return set_number(w, "cr3 PA", cr3_);
        if (key == "alloc") return set_number(w, "alloc PA", alloc_);
        if (key == "maxphyaddr") return set_maxphyaddr(w);
        if (key == "table") return start_table(w);
        if (key == "entry") return entry_line(w);
        if (key == "map") return map_line(w);
        if (key == "expect") return expect_line(w);
        if (!key.empty() && (std::isdigit(static_cast<unsigned char>(key[0])))) return table_entry(w);
        fail("unknown line '{}' (see docs/machine-format.md)", quote(key));
    }

    void set_mode(const std::vector<std::string_view>& w) {
        if (!words_count(w, 2, 2, "mode 2level|pae|4level|5level")) return;
        setting_once("mode");
        m_.mode = find_mode(w[1]);
        if (!m_.mode) fail("unknown mode '{}' (2level, pae, 4level or 5level)", quote(w[1]));
    }

    void set_bit(const std::vector<std::string_view>& w, const BitSetting& b) {
        if (!words_count(w, 2, 2, fmt::format("{} 0|1", b.name))) return;
        setting_once(b.name);
        if (w[1] != "0" && w[1] != "1") return fail("{} must be 0 or 1, not '{}'", b.name, quote(w[1]));
        m_.ctl.*b.field = w[1] == "1";
    }

    void set_number(const std::vector<std::string_view>& w, std::string_view usage, std::optional<std::uint64_t>& out) {
        if (!words_count(w, 2, 2, usage)) return;
        setting_once(w[0]);
        out = number(w[1]);
    }

    void set_maxphyaddr(const std::vector<std::string_view>& w) {
        if (!words_count(w, 2, 2, "maxphyaddr BITS")) return;
        setting_once("maxphyaddr");
        auto n = number(w[1]);
        if (n && (*n < 32 || *n > 52)) return fail("maxphyaddr must be between 32 and 52, not {}", *n);
        if (n) m_.ctl.maxphyaddr = static_cast<unsigned>(*n);
    }

    // The first table, entry or map line fixes the settings.
    bool begin_body() {
        if (body_started_) return true;
        if (!m_.mode) {
            fail("'mode' must come before the first table, entry or map line");
            return false;
        }
        body_started_ = true;
        // CR3 is taken as a MOV to CR3 would take it: flag bits (PWT, PCD) or a PCID in 11:0, bits
        // 63:32 ignored in the 32-bit modes; reserved bits make every walk the MOV's #GP (walk.cpp).
        if (m_.ctl.cr4_pcide && !m_.mode->canonical) {
            fail("cr4.pcide 1 needs 4-level or 5-level paging (SDM 4.10.1)");
            return false;
        }
        if (cr3_) m_.ctl.cr3 = *cr3_;
        if (alloc_ && *alloc_ % PhysMem::FRAME_SIZE) {
            fail("alloc {:#x} is not 4 KB aligned", *alloc_);
            return false;
        }
        frames_ = FrameAllocator(alloc_.value_or(0x100000));
        return true;
    }

    std::string memory_full() const {
        return fmt::format("physical memory is full: a machine file may write at most {} pages of 4 KB "
                           "(docs/machine-format.md, \"Limits\")", m_.mem.max_frames());
    }

    bool write_entry(std::uint64_t pa, std::uint64_t value) {
        const unsigned size = m_.mode->entry_size;
        if (pa % size) {
            fail("entry address {:#x} is not aligned to the {}-byte entry size", pa, size);
            return false;
        }
        if (size == 4 && value >> 32) {
            fail("value {:#x} does not fit in a 4-byte entry", value);
            return false;
        }
        if (!m_.mem.write_entry(pa, size, value)) {
            fail("{}", memory_full());
            return false;
        }
        return true;
    }

    void start_table(const std::vector<std::string_view>& w) {
        if (!words_count(w, 2, 2, "table PA") || !begin_body()) return;
        auto pa = number(w[1]);
        if (!pa) return;
        // A table is a 4 KB page, except PAE's 32-byte PDPT.
        const std::uint64_t align = m_.mode->cr3_align;
        if (*pa % align) return fail("table {:#x} is not aligned to {} bytes", *pa, align);
        table_ = *pa;
        table_limit_ = *pa % PhysMem::FRAME_SIZE ? 4 : m_.mode->bottom().entries();
    }

    void table_entry(const std::vector<std::string_view>& w) {
        if (!table_) return fail("an 'INDEX VALUE' line must follow a 'table PA' line");
        if (!words_count(w, 2, 2, "INDEX VALUE")) return;
        auto index = number(w[0]);
        auto value = index ? number(w[1]) : std::nullopt;
        if (!value) return;
        if (*index >= table_limit_)
            return fail("table {:#x} has {} entries: no index {}", *table_, table_limit_, *index);
        write_entry(*table_ + *index * m_.mode->entry_size, *value);
    }

    void entry_line(const std::vector<std::string_view>& w) {
        if (!words_count(w, 3, 3, "entry PA VALUE") || !begin_body()) return;
        auto pa = number(w[1]);
        auto value = pa ? number(w[2]) : std::nullopt;
        if (value) write_entry(*pa, *value);
        table_.reset();
    }

    void map_line(const std::vector<std::string_view>& w) {
        if (!words_count(w, 4, 6, "map VA PA SIZE [FLAGS] [page=4K|2M|4M|1G]") || !begin_body()) return;
        MapRequest r;
        auto va = number(w[1]);
        auto pa = va ? number(w[2]) : std::nullopt;
        if (!pa) return;
        r.va = *va;
        r.pa = *pa;
        auto size = parse_size(w[3]);
        if (!size) return fail("{}", size.error);
        r.size = size.value;
        for (std::size_t i = 4; i < w.size(); ++i) {
            if (w[i].starts_with("page=")) {
                auto ps = parse_size(w[i].substr(5));
                if (!ps) return fail("{}", ps.error);
                r.page_size = ps.value;
            } else if (auto err = parse_flags(w[i], r.flags); !err.empty()) {
                return fail("{}", err);
            }
        }
        // Each page is an entry to write: keep a file from asking for billions of them.
        const std::uint64_t pages = r.page_size ? r.size / r.page_size : 0;
        if (pages > limits_.max_mapped_pages - mapped_pages_)
            return fail("map lines may create at most {} pages in one file (this line asks for {}; use larger pages)",
                        limits_.max_mapped_pages, pages);
        mapped_pages_ += pages;
        if (!builder_) builder_.emplace(m_, *frames_);
        if (auto err = builder_->map(r); !err.empty()) fail("{}", err);
        table_.reset();
    }

    // expect VA PA|fault [r|w|x [user|supervisor]] [SOURCE]: the access words are optional, so
    // version-1 files without them read as before (a mapping, judged as a supervisor read).
    void expect_line(const std::vector<std::string_view>& w) {
        if (!words_count(w, 3, 6, "expect VA PA|fault [r|w|x [user|supervisor]] [SOURCE]")) return;
        Expect e;
        auto va = number(w[1]);
        if (!va) return;
        e.va = *va;
        if (w[2] != "fault") {
            auto pa = number(w[2]);
            if (!pa) return;
            e.pa = *pa;
        }
        std::size_t i = 3;
        if (i < w.size() && (w[i] == "r" || w[i] == "w" || w[i] == "x")) {
            e.access_type = w[i] == "r" ? 0u : w[i] == "w" ? 1u : 2u;
            e.user = true;  // as vmsim translate: user mode unless said otherwise
            ++i;
            if (i < w.size() && (w[i] == "user" || w[i] == "supervisor")) e.user = w[i++] == "user";
        } else if (i < w.size() && (w[i] == "user" || w[i] == "supervisor")) {
            return fail("'{}' must follow the access (r, w or x): 'expect VA PA r {}'", w[i], w[i]);
        }
        if (i < w.size()) e.source = std::string(w[i++]);
        if (i < w.size()) return fail("expected 'expect VA PA|fault [r|w|x [user|supervisor]] [SOURCE]'");
        e.line = line_no_;
        m_.expects.push_back(std::move(e));
    }

    void finish() {
        if (!have_header_) return fail("empty file: a machine file starts with 'vmtour-machine {}'", MACHINE_FORMAT_VERSION);
        if (!m_.mode) return fail("no 'mode' line");
        if (!begin_body()) return;
        if (!cr3_ && !builder_) return fail("no 'cr3' line and no 'map' line to allocate the top-level table");
        m_.name = std::string(name_);
    }

    std::string_view name_;
    MachineLimits limits_;
    unsigned line_no_ = 0;
    std::string error_;
    Machine m_;
    bool have_header_ = false;
    bool body_started_ = false;
    std::map<std::string, unsigned> seen_;
    std::optional<std::uint64_t> cr3_, alloc_;
    std::optional<std::uint64_t> table_;
    std::uint64_t table_limit_ = 0;
    std::optional<FrameAllocator> frames_;
    std::optional<PageTableBuilder> builder_;
    std::uint64_t mapped_pages_ = 0;
};

}  // namespace

Parsed<Machine> parse_machine(std::string_view text, std::string_view name, const MachineLimits& limits) {
    return Parser(name, limits).run(text);
}

Parsed<Machine> load_machine(const std::string& path) {
    auto text = read_input(path, "machine file");
    if (!text) return {Machine{}, text.error};
    return parse_machine(text.value, path == "-" ? "<stdin>" : path);
}

std::string dump_machine(const Machine& m) {
    const PagingMode& mode = *m.mode;
    std::string out = fmt::format("vmtour-machine {}\n# {}{}\nmode {}\ncr3 {:#x}\n", MACHINE_FORMAT_VERSION,
                                  mode.title, m.name.empty() ? "" : fmt::format(", from {}", m.name), mode.key,
                                  m.ctl.cr3);
    for (const auto& b : BIT_SETTINGS)
        if (b.field != &Control::cr4_pcide || m.ctl.cr4_pcide)  // written only when set: older dumps stay the same
            out += fmt::format("{} {}\n", b.name, m.ctl.*b.field ? 1 : 0);
    out += fmt::format("maxphyaddr {}\n", m.maxphyaddr());

    // Depth-first from CR3, each table once, in the order a walk meets them.
    const Mmu mmu(m);
    std::set<std::uint64_t> seen;
    const unsigned width = mode.entry_size * 2;
    auto visit = [&](auto&& self, std::uint64_t table, unsigned level) -> void {
        if (!seen.insert(table).second) return;
        const LevelDesc& d = mode.level[level];
        const std::uint64_t entries = level == 0 && mode.cr3_align == 32 ? d.entries() : mode.bottom().entries();
        out += fmt::format("\ntable {:#x}  # {}\n", table, d.table);
        std::vector<std::uint64_t> children;
        for (std::uint64_t i = 0; i < entries; ++i) {
            const std::uint64_t raw = m.mem.read_entry(table + i * mode.entry_size, mode.entry_size);
            if (!raw) continue;
            out += fmt::format("  {} {:#0{}x}\n", i, raw, width + 2);
            if (bits::test(raw, bits::P) && !mmu.is_leaf(level, raw)) children.push_back(mmu.next_table(raw));
        }
        for (std::uint64_t child : children) self(self, child, level + 1);
    };
    visit(visit, m.root(), 0);

    if (!m.expects.empty()) out += "\n";
    for (const Expect& e : m.expects) {
        static constexpr const char* letter[] = {"r", "w", "x"};
        const std::string access = e.access_type ? fmt::format(" {} {}", letter[*e.access_type % 3],
                                                               e.user ? "user" : "supervisor")
                                                 : "";
        out += fmt::format("expect {:#x} {}{}{}\n", e.va, e.pa ? fmt::format("{:#x}", *e.pa) : "fault", access,
                           e.source.empty() ? "" : " " + e.source);
    }
    return out;
}

}  // namespace vmtour
