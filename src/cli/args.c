#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char **flag_slot(struct cli_args *a, const char *name)
{
    static const struct {
        const char *name;
        size_t off;
    } flags[] = {
        {"db", offsetof(struct cli_args, db)},
        {"host", offsetof(struct cli_args, host)},
        {"port", offsetof(struct cli_args, port)},
        {"web", offsetof(struct cli_args, web)},
        {"mail-dir", offsetof(struct cli_args, mail_dir)},
        {"quantity", offsetof(struct cli_args, quantity)},
        {"channel", offsetof(struct cli_args, channel)},
        {"from", offsetof(struct cli_args, from)},
        {"to", offsetof(struct cli_args, to)},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!strcmp(flags[i].name, name))
            return (const char **)(void *)((char *)a + flags[i].off);
    return NULL;
}

static bool allowed_flag(const char *allowed, const char *name, size_t len)
{
    for (const char *p = allowed; *p;) {
        size_t n = strcspn(p, " ");
        if (n == len && !strncmp(p, name, n))
            return true;
        p += n;
        p += strspn(p, " ");
    }
    return false;
}

int cli_parse(int argc, char **argv, const char *allowed, const char *usage,
              struct cli_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            a->help = true;
            fputs(usage, stdout);
            return 0;
        }
        if (strncmp(arg, "--", 2) || !arg[2]) {
            if (a->npos == CLI_MAX_POS)
                goto bad;
            a->pos[a->npos++] = arg;
            continue;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        char key[32];
        if (len >= sizeof key || !allowed_flag(allowed, name, len)) {
            fprintf(stderr, "sellahead: unknown option %s\n", arg);
            goto bad;
        }
        memcpy(key, name, len);
        key[len] = '\0';
        if (!strcmp(key, "force")) { /* the one flag without a value */
            if (eq) {
                fprintf(stderr, "sellahead: option --force takes no value\n");
                goto bad;
            }
            a->force = true;
            continue;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            fprintf(stderr, "sellahead: option --%s needs a value\n", key);
            goto bad;
        }
        *flag_slot(a, key) = value;
    }
    return 0;
bad:
    fputs(usage, stderr);
    return 2;
}

int cli_store(const struct cli_args *a, struct store **st)
{
    err_t e;
    const char *url = store_default_url(a->db);
    if (store_open(url, st, &e)) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    return 0;
}
