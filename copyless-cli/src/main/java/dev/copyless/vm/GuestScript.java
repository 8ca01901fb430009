package dev.copyless.vm;

import java.util.List;
import java.util.Map;

/**
 * The per-run script the guest's {@code /init} runs (resource {@code init.sh}), written into
 * the run folder that the guest mounts at {@link #RUN_DIR}: it mounts each share at its guest
 * path, turns the swap disk on, sets the environment, enters the working folder and
 * {@code exec}s the command, so that the script's exit code is the command's. When a step of
 * the set-up fails, it writes one line to {@code RUN_DIR/error} and exits with
 * {@link #SETUP_FAILED}; the host reports that line. The init writes the exit code to
 * {@code RUN_DIR/exit} afterwards: the completion marker the host judges a run by.
 */
public final class GuestScript {
    private GuestScript() {}

    /** Where the guest mounts the run folder. */
    public static final String RUN_DIR = "/run/copyless";
    /** The 9p tag of the run folder (the init mounts it by this name). */
    public static final String RUN_TAG = "copyless";
    /** The exit code of a failed set-up (the shell's "command cannot be invoked" range). */
    public static final int SETUP_FAILED = 125;

    /**
     * @param shares the read-only shares to mount (the run folder is mounted by the init)
     * @param env    environment variables for the command
     * @param cwd    the guest folder to run in
     * @param command the command and its arguments
     */
    public static String setup(List<Share> shares, Map<String, String> env, String cwd, List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command");
        }
        StringBuilder s = new StringBuilder();
        s.append("# written by copyless vm for one run; /init runs it with stdout on ttyS1 and stderr on ttyS2\n");
        s.append("fail() { echo \"$1\" > ").append(RUN_DIR).append("/error; exit ").append(SETUP_FAILED).append("; }\n");
        for (Share sh : shares) {
            String p = quote(sh.guestPath());
            s.append("mkdir -p ").append(p).append(" && mount -t 9p -o ").append(sh.mountOptions()).append(' ')
                    .append(sh.tag()).append(' ').append(p)
                    .append(" || fail ").append(quote("cannot mount the 9p share " + sh.tag() + " at " + sh.guestPath()))
                    .append('\n');
        }
        s.append("mkswap /dev/vda >/dev/null 2>&1 && swapon /dev/vda || fail ")
                .append(quote("cannot make /dev/vda a swap area")).append('\n');
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("bad variable name " + e.getKey());
            }
            s.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
        }
        s.append("cd ").append(quote(cwd)).append(" || fail ").append(quote("cannot enter " + cwd)).append('\n');
        s.append("exec");
        for (String c : command) {
            s.append(' ').append(quote(c));
        }
        s.append('\n');
        return s.toString();
    }

    /** A POSIX shell single-quoted word: {@code it's} becomes {@code 'it'\''s'}. */
    public static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
