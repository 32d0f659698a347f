/* temporary: commands being written */
#include "traces/tool.h"
int trace_stats(int argc, char **argv) { fprintf(stderr, "lgsim trace: stats is not written yet\n"); return 2; }
int trace_explain(int argc, char **argv) { fprintf(stderr, "lgsim trace: explain is not written yet\n"); return 2; }
int trace_export(int argc, char **argv) { fprintf(stderr, "lgsim trace: export is not written yet\n"); return 2; }
