package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GuestScript}: the guest's set-up script, and quoting that survives a real shell. */
class GuestScriptTest {

    @Test
    void everyWordComesBackAsItWasAfterAShellReadsIt() throws Exception {
        Path sh = Path.of("/bin/sh");
        assumeTrue(Files.isExecutable(sh), "no /bin/sh on this host");
        List<String> words = List.of("plain", "with space", "it's", "'", "''", "$HOME", "`id`", "back\\slash", "new\nline",
                "--format=json", "", "\"dq\"", "*");
        StringBuilder script = new StringBuilder("printf '%s\\0'");
        for (String w : words) {
            script.append(' ').append(GuestScript.quote(w));
        }
        Process p = new ProcessBuilder(sh.toString(), "-c", script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        List<String> back = new ArrayList<>(List.of(out.split("\0", -1)));
        back.remove(back.size() - 1); // after the last NUL
        assertThat(back).containsExactlyElementsOf(words);
    }

    @Test
    void mountsEachShareThenSwapThenExecsTheCommand() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_HOME", "/usr/lib/jvm/j");
        String s = GuestScript.setup(List.of(new Share("jdk", Path.of("/usr/lib/jvm/j"), "/usr/lib/jvm/j", true),
                new Share("share0", Path.of("/work/my repo"), "/work/my repo", true)), env, "/work/my repo",
                List.of("/usr/lib/jvm/j/bin/java", "-cp", "x.jar", "Main", "it's"));
        List<String> lines = s.lines().toList();
        int jdk = indexOf(lines, "mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose jdk '/usr/lib/jvm/j'");
        int repo = indexOf(lines, "share0 '/work/my repo'");
        int swap = indexOf(lines, "swapon /dev/vda");
        int cd = indexOf(lines, "cd '/work/my repo'");
        int exec = indexOf(lines, "exec '/usr/lib/jvm/j/bin/java' '-cp' 'x.jar' 'Main' 'it'\\''s'");
        assertThat(List.of(jdk, repo, swap, cd, exec)).isSorted().doesNotContain(-1);
        assertThat(lines).contains("export JAVA_HOME='/usr/lib/jvm/j'");
        assertThat(s).contains("> /run/copyless/error; exit 125");
    }

    @Test
    void theScriptIsValidShell(@TempDir Path tmp) throws Exception {
        Path sh = Path.of("/bin/sh");
        assumeTrue(Files.isExecutable(sh), "no /bin/sh on this host");
        Path f = tmp.resolve("setup.sh");
        Files.writeString(f, GuestScript.setup(List.of(new Share("jdk", Path.of("/j"), "/j", true)), Map.of("A", "b c"), "/",
                List.of("java", "-version")));
        Process p = new ProcessBuilder(sh.toString(), "-n", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
