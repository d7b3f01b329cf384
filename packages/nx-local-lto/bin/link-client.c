// SPDX-License-Identifier: MIT
/*
 * link-client NODE SCRIPT ARG...: runs `NODE SCRIPT ARG...` (bin/run-step.js) in the link
 * server of this workspace, plugin and environment when one is listening, else runs the
 * command itself. A Node start with the plugin's modules costs about 0.07 s of CPU per link
 * (measured), more than the link's own tools; this client costs about 1 ms.
 *
 * The server's socket is named by a hash of the working folder, the script's file identity
 * and the environment without the variables Nx sets per task, so a server only ever runs
 * steps for the exact setting it was started in. Not connected: exec the command with
 * LOCAL_LTO_LINK_SOCKET set, and run-step.js starts a server there for the next tasks.
 *
 * Protocol (a Unix socket, one request per connection): the client sends a 4-byte
 * little-endian length and the working folder and arguments, each ending in NUL; the server
 * answers with frames of a type byte, a 4-byte little-endian length and the bytes: 1 stdout,
 * 2 stderr, 3 the exit status (4 bytes), 4 refused (the plugin changed since it started:
 * the client runs the command itself). The client dying (Ctrl-C) closes the socket, and the
 * server ends that step's tools; the server dying before the status: the client runs the
 * command itself (outputs are staged, so a half-run step left nothing in place).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

static uint64_t fnv(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Variables Nx sets for each task: the same server serves every task of a run. */
static int per_task(const char *kv) {
  static const char *const prefixes[] = {"NX_TASK_", "LERNA_PACKAGE_NAME=", "NX_TERMINAL_OUTPUT_PATH=", "_=", "OLDPWD=", "SHLVL=", "LOCAL_LTO_LINK_SOCKET=", NULL};
  for (int i = 0; prefixes[i]; i++)
    if (strncmp(kv, prefixes[i], strlen(prefixes[i])) == 0) return 1;
  return 0;
}

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run_itself(char **argv, const char *socket_path) {
  if (socket_path) setenv("LOCAL_LTO_LINK_SOCKET", socket_path, 1);
  execvp(argv[0], argv);
  fprintf(stderr, "nx-local-lto link-client: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, char *p, size_t n) {
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: link-client NODE SCRIPT ARG...\n");
    return 2;
  }
  char **command = argv + 1;
  if (getenv("LOCAL_LTO_LINK_SERVER") && strcmp(getenv("LOCAL_LTO_LINK_SERVER"), "off") == 0) run_itself(command, NULL);

  char cwd[4096];
  struct stat script;
  if (!getcwd(cwd, sizeof cwd) || stat(argv[2], &script) != 0) run_itself(command, NULL);

  uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv(h, cwd, strlen(cwd) + 1);
  char id[128];
  int idn = snprintf(id, sizeof id, "%llu.%llu.%lld.%ld.%s", (unsigned long long)script.st_dev, (unsigned long long)script.st_ino, (long long)script.st_mtim.tv_sec,
                     (long)script.st_mtim.tv_nsec, argv[1]);
  h = fnv(h, id, (size_t)idn + 1);
  size_t n = 0;
  while (environ[n]) n++;
  char **env = malloc((n + 1) * sizeof *env);
  if (!env) run_itself(command, NULL);
  size_t kept = 0;
  for (size_t i = 0; i < n; i++)
    if (!per_task(environ[i])) env[kept++] = environ[i];
  qsort(env, kept, sizeof *env, by_text);
  for (size_t i = 0; i < kept; i++) h = fnv(h, env[i], strlen(env[i]) + 1);

  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  char dir[64];
  if (runtime && *runtime && strlen(runtime) < sizeof addr.sun_path - 40)
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/nx-local-lto-%016llx.sock", runtime, (unsigned long long)h);
  else {
    snprintf(dir, sizeof dir, "/tmp/nx-local-lto-%u", (unsigned)getuid());
    struct stat d;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) run_itself(command, NULL);
    /* Only a folder of this user's, closed to others, holds the socket. */
    if (lstat(dir, &d) != 0 || !S_ISDIR(d.st_mode) || d.st_uid != getuid() || (d.st_mode & 077)) run_itself(command, NULL);
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%016llx.sock", dir, (unsigned long long)h);
  }

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) run_itself(command, addr.sun_path);

  /* The request: the working folder, then the arguments after the script. */
  size_t len = strlen(cwd) + 1;
  for (int i = 3; i < argc; i++) len += strlen(argv[i]) + 1;
  char *req = malloc(4 + len);
  if (!req) run_itself(command, NULL);
  uint32_t le = (uint32_t)len;
  for (int i = 0; i < 4; i++) req[i] = (char)(le >> (8 * i));
  size_t off = 4;
  memcpy(req + off, cwd, strlen(cwd) + 1);
  off += strlen(cwd) + 1;
  for (int i = 3; i < argc; i++) {
    memcpy(req + off, argv[i], strlen(argv[i]) + 1);
    off += strlen(argv[i]) + 1;
  }
  if (write_all(fd, req, off) != 0) run_itself(command, NULL);

  char head[5];
  static char buf[1 << 16];
  while (read_all(fd, head, 5) == 0) {
    uint32_t size = (uint32_t)(unsigned char)head[1] | (uint32_t)(unsigned char)head[2] << 8 | (uint32_t)(unsigned char)head[3] << 16 | (uint32_t)(unsigned char)head[4] << 24;
    if (head[0] == 3 && size == 4) {
      char s[4];
      if (read_all(fd, s, 4) != 0) break;
      return (int)((uint32_t)(unsigned char)s[0] | (uint32_t)(unsigned char)s[1] << 8 | (uint32_t)(unsigned char)s[2] << 16 | (uint32_t)(unsigned char)s[3] << 24);
    }
    if (head[0] == 4) break;
    if (head[0] != 1 && head[0] != 2) break;
    int out = head[0] == 1 ? 1 : 2;
    while (size) {
      size_t chunk = size < sizeof buf ? size : sizeof buf;
      if (read_all(fd, buf, chunk) != 0) run_itself(command, NULL);
      write_all(out, buf, chunk);
      size -= (uint32_t)chunk;
    }
  }
  /* Refused, or the server ended without a status: run the step here (and start a server anew). */
  close(fd);
  run_itself(command, addr.sun_path);
  return 127;
}
