// vmreal tlb --svg: where the picture may go (checked before anything is measured) and the
// measured numbers handed to sim/present's svg_tlb_curve as plain data.
#pragma once

#include "svg.hpp"
#include "tlb_measure.hpp"

#include <string>
#include <vector>

namespace vmtour {

// "" when the picture can be written to PATH, else one line "--svg PATH: reason": "-" and ""
// (no file), a directory, something other than a regular file (a device would be replaced by the
// rename), a folder where the temporary file cannot be made (svg::write_file_atomic's PATH.tmp).
std::string svg_target_error(const std::string& path);

// The picture's data: every point, and the knees as the text prints them. The caller adds the
// CPU, the options and whether a hypervisor is underneath.
TlbCurve tlb_curve(const std::vector<TlbPoint>& points, const std::vector<Knee>& knees_4k,
                   const std::vector<Knee>& knees_thp, bool thp);

}  // namespace vmtour
