// The mode a new directory gets from its parent: the group-writable, setgid setup of a
// MEDIA_ROOT shared with another app (docs/troubleshooting.md, permissions) carries down.

/** Set-group-ID: new entries get the directory's group (Linux sets it on subdirectories). */
const SETGID = 0o2000;
/** Group write: the other app in the group can add and delete entries. */
const GROUP_WRITE = 0o020;

/**
 * The permission bits (`0o7777`) for a directory just made with `createdMode` (what mkdir
 * and the umask gave) under a parent of `parentMode`: the parent's setgid and group write
 * are added when it has them, so a umask of 022 cannot cut the shared group off below a
 * `chmod 2775` root. Undefined when nothing needs to change.
 */
export function sharedDirModeFor(parentMode: number, createdMode: number): number | undefined {
  const created = createdMode & 0o7777;
  const wanted = created | (parentMode & (SETGID | GROUP_WRITE));
  return wanted === created ? undefined : wanted;
}
