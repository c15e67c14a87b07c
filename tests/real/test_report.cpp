// vmtour_report: vmreal's three output formats, written and read back.
#include "report.hpp"

#include <catch2/catch.hpp>

using namespace vmtour;

namespace {

std::vector<PageRecord> sample(bool with_flags) {
    std::vector<PageRecord> out;
    PageRecord known;
    known.va = 0x7f3a1c000000;
    known.pa = 0x123456000;
    PageRecord thp = known;
    thp.va += 0x1000;
    thp.pa = 0x200001000;
    PageRecord hidden;
    hidden.va = 0x7f3a1c002000;
    hidden.status = PaStatus::Hidden;
    PageRecord absent;
    absent.va = 0x7f3a1c003000;
    absent.status = PaStatus::NotPresent;
    PageRecord swapped;
    swapped.va = 0x7f3a1c004000;
    swapped.status = PaStatus::Swapped;
    if (with_flags) {
        for (PageRecord* r : {&known, &thp, &hidden, &absent, &swapped}) r->has_flags = true;
        known.flags = kPresent | kExclusive | kSoftDirty;
        known.pagemap = 0xa100000000123456;
        thp.flags = kPresent | kExclusive | kThp;
        thp.pagemap = 0x8100000000200001;
        hidden.flags = kPresent | kExclusive;
        hidden.pagemap = 0x8100000000000000;
        swapped.flags = kSwapped | kSoftDirty;
        swapped.swap_type = 3;
        swapped.swap_offset = 0x1234;
        swapped.pagemap = (std::uint64_t{1} << 62) | (std::uint64_t{1} << 55) | (0x1234u << 5) | 3;
    }
    out = {known, thp, hidden, absent, swapped};
    return out;
}

}  // namespace

TEST_CASE("report: text lines are exactly the seed's VA=0x.. -> PA=0x..", "[report]") {
    const std::string text = write_report(sample(false), ReportFormat::Text, false);
    CHECK(text.rfind("VA=0x00007f3a1c000000 -> PA=0x0000000123456000\n", 0) == 0);
    CHECK(text.find("PA=unknown\n") != std::string::npos);
    CHECK(text.find("PA=none\n") != std::string::npos);
    CHECK(text.find("PA=swapped\n") != std::string::npos);
    CHECK(text.find("PA=0x0000000000000000") == std::string::npos);
}

TEST_CASE("report: every format reads back what it wrote", "[report]") {
    for (bool flags : {false, true}) {
        for (ReportFormat f : {ReportFormat::Text, ReportFormat::Csv, ReportFormat::Json}) {
            const auto records = sample(flags);
            const std::string text = write_report(records, f, flags, {"1G", 20480, "write"});
            INFO("format " << static_cast<int>(f) << " flags " << flags << "\n" << text);
            const auto back = parse_report(text);
            REQUIRE(back.error.empty());
            CHECK(back.value == records);
        }
    }
}

TEST_CASE("report: an empty report is an empty list in every format", "[report]") {
    for (ReportFormat f : {ReportFormat::Csv, ReportFormat::Json}) {
        const auto back = parse_report(write_report({}, f, true));
        CHECK(back.error.empty());
        CHECK(back.value.empty());
    }
    CHECK(parse_report("").value.empty());
}

TEST_CASE("report: text accepts comments, blank lines and the kernel module's label", "[report]") {
    const auto r = parse_report("# from ko5204\n\nVmalloc: VA=0xffff89af05cf8000 -> PA=0x0000000123456000\n"
                                "  VA=0x1000 -> PA=0x2000  \r\n");
    REQUIRE(r.error.empty());
    REQUIRE(r.value.size() == 2);
    CHECK(r.value[0].va == 0xffff89af05cf8000);
    CHECK(r.value[0].pa == std::optional<std::uint64_t>{0x123456000});
    CHECK(r.value[1].va == 0x1000);
    CHECK_FALSE(r.value[1].has_flags);
}

TEST_CASE("report: text errors name the line", "[report]") {
    CHECK(parse_report("VA=0x1000 -> PA=0x2000\nhello\n").error ==
          "line 2: expected 'VA=0x... -> PA=0x...', got 'hello'");
    CHECK(parse_report("VA=0x1000 PA=0x2000\n").error == "line 1: missing '->' between VA and PA");
    CHECK(parse_report("\n\nVA=0x1000 -> PA=0xZZ\n").error.rfind("line 3: PA '0xZZ'", 0) == 0);
    CHECK(parse_report("VA=0x1000 -> PA=0x2000 flags=present,shiny\n").error ==
          "line 1: unknown flag 'shiny'");
    CHECK(parse_report("VA=0x1000 -> PA=0x2000 extra\n").error == "line 1: unexpected 'extra' after the PA");
    CHECK(parse_report("VA=0x1000 -> PA=\n").error == "line 1: missing the PA after 'PA='");
    CHECK_FALSE(parse_report("VA=0x1000 -> PA=0x2000\nVA=oops -> PA=0x1\n").value.size());
}

TEST_CASE("report: csv reads its header and names bad lines", "[report]") {
    const auto ok = parse_report("va,pa\n0x1000,0x5000\n0x2000,unknown\n");
    REQUIRE(ok.error.empty());
    REQUIRE(ok.value.size() == 2);
    CHECK(ok.value[1].status == PaStatus::Hidden);
    CHECK(parse_report("va,pa\n0x1000\n").error == "line 2: 1 cells, but the header has 2 columns");
    CHECK(parse_report("va,pa,flags\n0x1000,0x2000,present|bogus\n").error == "line 2: unknown flag 'bogus'");
    CHECK(parse_report("va,pa\n0x1000,0x5000\n0xq,0x1\n").error.rfind("line 3: va:", 0) == 0);
}

TEST_CASE("report: json syntax errors give the line, page errors the page", "[report]") {
    const auto bad = parse_report("{\"pages\":[\n{\"va\":\"0x1000\",\"pa\":\"0x2000\"},\n{\"va\": }\n]}");
    CHECK(bad.error.rfind("line 3: not valid JSON", 0) == 0);
    const auto missing = parse_report("{\"pages\":[\n{\"va\":\"0x1000\",\"pa\":\"0x2000\"},\n{\"va\":\"0x2000\"}\n]}");
    CHECK(missing.error == "line 3: pages[1]: 'pa' is missing");
    CHECK(parse_report("{\"vmreal\":1}").error == "line 1: the JSON object has no \"pages\" array");
    const auto bare = parse_report("[{\"va\":4096,\"pa\":\"none\"}]");
    REQUIRE(bare.error.empty());
    CHECK(bare.value.at(0).va == 4096);
    CHECK(bare.value.at(0).status == PaStatus::NotPresent);
}

TEST_CASE("report: flag names come from one table, both ways", "[report]") {
    std::uint32_t all = 0;
    for (const FlagName& f : flag_names()) all |= f.flag;
    const std::string names = flags_to_string(all, ',');
    CHECK(names == "present,swapped,file-shared,exclusive,soft-dirty,uffd-wp,guard,thp,hugetlb,zero-page");
    const auto back = flags_from_string(names, ',');
    REQUIRE(back.error.empty());
    CHECK(back.value == all);
    CHECK(flags_from_string("-", ',').value == 0);
    CHECK(report_format_from("json") == ReportFormat::Json);
    CHECK_FALSE(report_format_from("xml"));
}
