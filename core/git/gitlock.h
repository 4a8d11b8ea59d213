/* git's lock files: <ref>.lock while a ref is written, packed-refs.lock while the packed
 * refs are. A writer holds one for milliseconds; one a killed process left (SIGKILL, a
 * power cut) stops every later update of that ref until someone removes it. */
#ifndef PROMOTE_GITLOCK_H
#define PROMOTE_GITLOCK_H

#include <stddef.h>

#include "core/base/err.h"

/* How long a lock may stay before it is taken for one a killed process left. */
#define GITLOCK_WAIT_MS 2000

/* The lock file that stops an update of REF (a full ref name) in the git directory
 * COMMONDIR (with a trailing '/'): 1 with its path in OUT when <ref>.lock or
 * packed-refs.lock exists, else 0. */
int gitlock_find(char *out, size_t outsz, const char *commondir, const char *ref);

/* Wait, for at most GITLOCK_WAIT_MS, until no lock file of REF exists: 0 when there is
 * none (now or soon), else -1 with E: EXIT_EVAL naming WHAT (what could not be done),
 * the lock file and how to remove it, or saying a signal interrupted the wait. */
int gitlock_wait(const char *commondir, const char *ref, const char *what, struct err *e);

#endif
