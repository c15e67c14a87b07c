#include "line_regex.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <limits>
#include <optional>
#include <string>

namespace vmtour {

namespace {

using Class = std::bitset<256>;
constexpr unsigned UNBOUNDED = std::numeric_limits<unsigned>::max();
constexpr unsigned MAX_NESTING = 100;  // groups inside groups: the parser recurses once per level

struct Node {
    enum Kind { Set, Start, End, Seq, Alt, Repeat } kind = Seq;
    std::uint32_t cls = 0;            // Set: index into the classes
    std::vector<std::uint32_t> kids;  // Seq and Alt: the parts; Repeat: the one repeated
    unsigned min = 0, max = 0;        // Repeat; max may be UNBOUNDED
};

Class range(char lo, char hi) {
    Class c;
    for (int i = static_cast<unsigned char>(lo); i <= static_cast<unsigned char>(hi); ++i) c.set(static_cast<std::size_t>(i));
    return c;
}

// \d \w \s and their complements, \t \n \r; nullopt for any other letter.
std::optional<Class> escape_class(char e) {
    Class c;
    switch (e) {
    case 'd': case 'D': c = range('0', '9'); break;
    case 'w': case 'W': c = range('a', 'z') | range('A', 'Z') | range('0', '9') | range('_', '_'); break;
    case 's': case 'S': c = range('\t', '\r') | range(' ', ' '); break;
    case 't': return range('\t', '\t');
    case 'n': return range('\n', '\n');
    case 'r': return range('\r', '\r');
    default: return std::nullopt;
    }
    return (e >= 'A' && e <= 'Z') ? ~c : c;
}

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Failed {};  // thrown after `error` is set, to leave the recursion

class Parser {
public:
    explicit Parser(std::string_view p) : p_(p) {}

    // The root node's index; throws Failed with `error` set.
    std::uint32_t parse() {
        const std::uint32_t root = alternation(0);
        if (i_ < p_.size()) fail("')' without a '(' before it");  // alternation stops only at ')'
        return root;
    }

    std::string error;
    std::vector<Node> nodes;
    std::vector<Class> classes;

private:
    // `at` is where the offending construct starts (0-based; the message counts from 1).
    [[noreturn]] void fail(const std::string& why) { fail(why, i_); }
    [[noreturn]] void fail(const std::string& why, std::size_t at) {
        error = fmt::format("character {}: {}", at + 1, why);
        throw Failed{};
    }
    bool at_end() const { return i_ >= p_.size(); }
    char peek() const { return p_[i_]; }

    std::uint32_t add(Node n) {
        nodes.push_back(std::move(n));
        return static_cast<std::uint32_t>(nodes.size() - 1);
    }
    std::uint32_t add_set(const Class& c) {
        classes.push_back(c);
        Node n;
        n.kind = Node::Set;
        n.cls = static_cast<std::uint32_t>(classes.size() - 1);
        return add(n);
    }

    std::uint32_t alternation(unsigned depth) {
        Node alt;
        alt.kind = Node::Alt;
        alt.kids.push_back(sequence(depth));
        while (!at_end() && peek() == '|') {
            ++i_;
            alt.kids.push_back(sequence(depth));
        }
        return alt.kids.size() == 1 ? alt.kids[0] : add(std::move(alt));
    }

    std::uint32_t sequence(unsigned depth) {
        Node seq;
        seq.kind = Node::Seq;
        while (!at_end() && peek() != '|' && peek() != ')') seq.kids.push_back(repeat(depth));
        return add(std::move(seq));
    }

    static bool is_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

    std::uint32_t repeat(unsigned depth) {
        const std::uint32_t atom_index = atom(depth);
        if (at_end() || !is_quantifier(peek())) return atom_index;
        const Node::Kind k = nodes[atom_index].kind;
        if (k == Node::Start || k == Node::End) fail(fmt::format("'{}' repeats an anchor (^ or $)", peek()));
        Node r;
        r.kind = Node::Repeat;
        r.kids.push_back(atom_index);
        const char q = p_[i_++];
        if (q == '*') r.max = UNBOUNDED;
        if (q == '+') r.min = 1, r.max = UNBOUNDED;
        if (q == '?') r.max = 1;
        if (q == '{') count(r);
        if (!at_end() && is_quantifier(peek()))
            fail(fmt::format("'{}' after a quantifier: lazy (*?) and repeated (a**) quantifiers are not supported", peek()));
        return add(std::move(r));
    }

    unsigned number(std::size_t brace) {  // digits at i_, saturated above MAX_COUNT
        const std::size_t start = i_;
        unsigned n = 0;
        for (; !at_end() && peek() >= '0' && peek() <= '9'; ++i_) n = std::min(n * 10 + unsigned(peek() - '0'), LineRegex::MAX_COUNT + 1);
        if (i_ == start) fail("'{' starts a count {N}, {N,} or {N,M} (write \\{ for the character)", brace);
        if (n > LineRegex::MAX_COUNT) fail(fmt::format("a count above {}", LineRegex::MAX_COUNT), brace);
        return n;
    }

    void count(Node& r) {  // after '{'
        const std::size_t brace = i_ - 1;
        r.min = r.max = number(brace);
        if (!at_end() && peek() == ',') {
            ++i_;
            r.max = (!at_end() && peek() == '}') ? UNBOUNDED : number(brace);
        }
        if (at_end() || peek() != '}') fail("'{' starts a count {N}, {N,} or {N,M} (write \\{ for the character)", brace);
        ++i_;
        if (r.max < r.min) fail(fmt::format("the count {{{},{}}} has its maximum below its minimum", r.min, r.max), brace);
    }

    std::uint32_t atom(unsigned depth) {
        const char c = p_[i_++];
        switch (c) {
        case '(': {
            const std::size_t open = i_ - 1;
            if (depth + 1 > MAX_NESTING) fail(fmt::format("groups nested deeper than {}", MAX_NESTING), open);
            if (!at_end() && peek() == '?') {
                if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') i_ += 2;
                else fail("'(?' groups other than (?: (look-around) are not supported", open);
            }
            const std::uint32_t inner = alternation(depth + 1);
            if (at_end()) fail("'(' without a ')' after it", open);
            ++i_;
            return inner;
        }
        case '*': case '+': case '?': case '{':
            --i_;
            fail(fmt::format("'{}' has nothing before it to repeat", c));
        case '[': return bracket();
        case '.': return add_set(~(range('\n', '\n') | range('\r', '\r')));
        case '^': return add(Node{Node::Start, 0, {}, 0, 0});
        case '$': return add(Node{Node::End, 0, {}, 0, 0});
        case '\\': {
            const char e = escaped();
            if (auto set = escape_class(e)) return add_set(*set);
            return add_set(range(e, e));
        }
        default: return add_set(range(c, c));
        }
    }

    // The character after a backslash (i_ is past the backslash); letters other than the classes'
    // and digits are refused, not guessed at.
    char escaped() {
        const std::size_t at = i_ - 1;  // the backslash
        if (at_end()) fail("'\\' at the end of the pattern", at);
        const char e = p_[i_++];
        if (e >= '1' && e <= '9') fail("back-references (\\1 ...) are not supported", at);
        if (is_alnum(e) && !escape_class(e)) fail(fmt::format("'\\{}' is not supported", e), at);
        return e;
    }

    std::uint32_t bracket() {  // after '['
        const std::size_t open = i_ - 1;
        Class set;
        const bool negate = !at_end() && peek() == '^';
        if (negate) ++i_;
        while (true) {
            if (at_end()) fail("'[' without a ']' after it", open);
            if (peek() == ']') break;
            char lo = p_[i_++];
            if (lo == '\\') {
                const char e = escaped();
                if (auto cls = escape_class(e); cls && e != 't' && e != 'n' && e != 'r') {
                    set |= *cls;
                    continue;
                }
                lo = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
            }
            char hi = lo;
            if (i_ + 1 < p_.size() && peek() == '-' && p_[i_ + 1] != ']') {
                ++i_;
                hi = p_[i_++];
                if (hi == '\\') {
                    hi = escaped();
                    if (is_alnum(hi)) fail("a class (\\d, \\w, \\s) cannot end a range");
                }
                if (static_cast<unsigned char>(hi) < static_cast<unsigned char>(lo))
                    fail(fmt::format("the range {}-{} is out of order", lo, hi));
            }
            set |= range(lo, hi);
        }
        ++i_;  // the ']'
        return add_set(negate ? ~set : set);
    }

    std::string_view p_;
    std::size_t i_ = 0;
};

// Emits the states of a parsed pattern; throws Failed past MAX_STATES, so that nested counts
// ({1000} inside {1000}) stop early instead of building millions of states first.
class Emitter {
public:
    Emitter(const std::vector<Node>& nodes, std::vector<LineRegex::State>& out) : nodes_(nodes), out_(out) {}

    void emit(std::uint32_t index) {
        const Node& n = nodes_[index];
        switch (n.kind) {
        case Node::Set: push({LineRegex::Op::Char, n.cls, 0}); break;
        case Node::Start: push({LineRegex::Op::LineStart, 0, 0}); break;
        case Node::End: push({LineRegex::Op::LineEnd, 0, 0}); break;
        case Node::Seq:
            for (const std::uint32_t k : n.kids) emit(k);
            break;
        case Node::Alt: {
            std::vector<std::uint32_t> jumps;
            for (std::size_t i = 0; i + 1 < n.kids.size(); ++i) {
                const std::uint32_t split = push({LineRegex::Op::Split, here() + 1, 0});
                emit(n.kids[i]);
                jumps.push_back(push({LineRegex::Op::Jump, 0, 0}));
                out_[split].b = here();
            }
            emit(n.kids.back());
            for (const std::uint32_t j : jumps) out_[j].a = here();
            break;
        }
        case Node::Repeat: {
            for (unsigned i = 0; i < n.min; ++i) emit(n.kids[0]);
            if (n.max == UNBOUNDED) {  // loop: split into the body or out, the body jumps back
                const std::uint32_t split = push({LineRegex::Op::Split, here() + 1, 0});
                emit(n.kids[0]);
                push({LineRegex::Op::Jump, split, 0});
                out_[split].b = here();
                break;
            }
            std::vector<std::uint32_t> splits;  // each optional copy may be skipped to the end
            for (unsigned i = n.min; i < n.max; ++i) {
                splits.push_back(push({LineRegex::Op::Split, here() + 1, 0}));
                emit(n.kids[0]);
            }
            for (const std::uint32_t s : splits) out_[s].b = here();
            break;
        }
        }
    }

    std::uint32_t push(LineRegex::State s) {
        if (out_.size() >= LineRegex::MAX_STATES) throw Failed{};
        out_.push_back(s);
        return here() - 1;
    }

private:
    std::uint32_t here() const { return static_cast<std::uint32_t>(out_.size()); }

    const std::vector<Node>& nodes_;
    std::vector<LineRegex::State>& out_;
};

}  // namespace

Parsed<LineRegex> LineRegex::compile(std::string_view pattern) {
    Parsed<LineRegex> r;
    Parser parser(pattern);
    std::uint32_t root = 0;
    try {
        root = parser.parse();
    } catch (const Failed&) {
        r.error = parser.error;
        return r;
    }
    try {
        Emitter emitter(parser.nodes, r.value.states_);
        emitter.emit(root);
        emitter.push({Op::Match, 0, 0});
    } catch (const Failed&) {
        r.error = fmt::format("the pattern is too large (more than {} states; smaller counts?)", MAX_STATES);
        return r;
    }
    r.value.classes_ = std::move(parser.classes);
    return r;
}

// All threads advance together: `current` holds the Char states alive before character i, and
// `mark` the position at which each state was last added, so that every state is visited at most
// once per position (loops that match nothing, like (a*)*, end there too).
bool LineRegex::run(std::string_view line, bool anywhere) const {
    const std::size_t n = states_.size();
    std::vector<std::uint32_t> current, next, stack;
    std::vector<std::size_t> mark(n, std::numeric_limits<std::size_t>::max());
    auto add = [&](std::vector<std::uint32_t>& list, std::uint32_t start, std::size_t pos) {
        stack.push_back(start);
        bool matched = false;
        while (!stack.empty()) {
            const std::uint32_t pc = stack.back();
            stack.pop_back();
            if (mark[pc] == pos) continue;
            mark[pc] = pos;
            const State& s = states_[pc];
            switch (s.op) {
            case Op::Char: list.push_back(pc); break;
            case Op::Split: stack.push_back(s.b), stack.push_back(s.a); break;
            case Op::Jump: stack.push_back(s.a); break;
            case Op::LineStart: if (pos == 0) stack.push_back(pc + 1); break;
            case Op::LineEnd: if (pos == line.size()) stack.push_back(pc + 1); break;
            case Op::Match: matched |= anywhere || pos == line.size(); break;
            }
        }
        return matched;
    };
    if (add(current, 0, 0)) return true;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (current.empty() && !anywhere) return false;
        next.clear();
        const auto c = static_cast<unsigned char>(line[i]);
        for (const std::uint32_t pc : current)
            if (classes_[states_[pc].a][c] && add(next, pc + 1, i + 1)) return true;
        if (anywhere && add(next, 0, i + 1)) return true;
        std::swap(current, next);
    }
    return false;
}

}  // namespace vmtour
