/* The line `promote --version` prints: the release, and the commit it was built from when
 * known. Shared by the executable (cmd/launcher.c, which answers --version before loading
 * anything) and the tool (cmd/cmd_version.c, for promote-test). */
#ifndef PROMOTE_VERSION_H
#define PROMOTE_VERSION_H

#include "promote_revision.h" /* generated at build time by cmake/revision.cmake */

#ifdef PROMOTE_REVISION
#define PROMOTE_VERSION_LINE "promote " PROMOTE_VERSION " (" PROMOTE_REVISION ")\n"
#else
#define PROMOTE_VERSION_LINE "promote " PROMOTE_VERSION "\n"
#endif

#endif
