// --fork: copy-on-write seen through pagemap, from both sides of a fork().
#pragma once

namespace vmtour {

struct Experiment;

// After the parent has touched and translated its pages (ex.entries): forks; the child reads its
// own pagemap for the same addresses (ex.child), writes every page and reads it again
// (ex.child_wrote), then exits; the parent, once the child has written, reads its pagemap again
// (ex.parent_now). Throws RealError when fork, the shared result area or the child fails.
void run_fork(Experiment& ex);

}  // namespace vmtour
