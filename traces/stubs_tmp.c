/* temporary: commands being written */
#include "traces/tool.h"
int trace_stats(int argc, char **argv) { fprintf(stderr, "lgsim trace: stats is not written yet\n"); return 2; }
