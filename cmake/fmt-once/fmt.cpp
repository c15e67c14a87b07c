// fmt's compiled part, built once, for the builds that cannot link Debian's libfmt.so: the
// fully static programs (Debian ships no libfmt.a) and the WebAssembly page (web/build.sh).
// The alternative, FMT_HEADER_ONLY, compiles all of this into every source file that includes
// <fmt/format.h> and more than doubles its compile time.
//
// Without FMT_HEADER_ONLY, <fmt/format.h> declares fmt's non-template functions (vformat,
// vprint, format_error, ...) and a few templates that only the library instantiates.
// <fmt/format-inl.h> defines them all (FMT_FUNC is empty here, so they get external linkage);
// the templates are instantiated below, for the types <fmt/format.h> and <fmt/core.h> name in
// their declarations. One that is missing here shows up as an undefined symbol at the link.
#include <fmt/format-inl.h>

#include <locale>

FMT_BEGIN_NAMESPACE
namespace detail {

// The shortest round-trip decimal of a float or double (dragonbox, format.h's to_decimal).
template auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;

// locale_ref: a type-erased std::locale (core.h), for the 'L' format specifier.
template locale_ref::locale_ref(const std::locale& loc);
template auto locale_ref::get<std::locale>() const -> std::locale;

// The locale's digit grouping and decimal point: format.h declares these "extern template".
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template auto decimal_point_impl<char>(locale_ref) -> char;
template auto decimal_point_impl<wchar_t>(locale_ref) -> wchar_t;

}  // namespace detail
FMT_END_NAMESPACE
