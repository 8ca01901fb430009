package dev.copyless.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.input.UserError;
import dev.copyless.scenario.Scenario;
import dev.copyless.sweep.SweepGrid;
import dev.copyless.trace.TraceFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces shipped to executors: each trace the grid's points name found once, carried in the
 * serialized shipment (as a broadcast carries it), written once where the executor runs, and
 * found there through {@link TraceFiles} by the driver's path.
 */
class TraceShipmentTest {
    @AfterEach
    void forget() {
        TraceShipment.forget();
    }

    @Test
    void theGridsTracesAreShippedOnceAndFoundByTheDriversPathWhereTheOriginalIsGone(@TempDir Path tmp)
            throws Exception {
        Path driver = Files.createDirectories(tmp.resolve("driver"));
        SweepGrid g = SweepGrid.load(Sweeps.tracedGrid(driver));
        Path trace = driver.resolve("two.cltrace").toAbsolutePath().normalize();
        // two tasks of every point (two points) read the same file: it is shipped once
        assertThat(TraceShipment.tracesOf(g.base(), g.points())).containsExactly(trace);
        TraceShipment shipped = TraceShipment.of(TraceShipment.tracesOf(g.base(), g.points()));
        byte[] bytes = Files.readAllBytes(trace);

        TraceShipment received = roundTrip(shipped); // what a broadcast does to it
        Files.delete(trace); // an executor's machine does not have the driver's file
        Path executor = tmp.resolve("executor");
        received.install(executor);
        Path local = TraceFiles.resolve(trace);
        assertThat(local).isNotEqualTo(trace).startsWith(executor.toAbsolutePath());
        assertThat(Files.readAllBytes(local)).isEqualTo(bytes);
        assertThat(TraceFiles.resolve(Path.of("/elsewhere/other.cltrace"))).isEqualTo(Path.of("/elsewhere/other.cltrace"));

        // the point runs from the copy: its scenario still names the driver's path
        Scenario s = g.points().get(0).scenario(g.base());
        assertThat(s.vms().get(0).tasks().get(0).trace()).isEqualTo(trace.toString());
        assertThat(g.points().get(0).row(g.base())).containsKey("naive.guest_accesses");

        // written once per JVM: a second install of the same shipment writes nothing new
        try (var files = Files.list(executor)) {
            assertThat(files.count()).isEqualTo(1);
        }
        received.install(executor);
        roundTrip(shipped).install(executor);
        try (var files = Files.list(executor)) {
            assertThat(files.count()).isEqualTo(1);
        }

        TraceShipment.forget();
        assertThat(TraceFiles.resolve(trace)).isEqualTo(trace);
    }

    @Test
    void aTraceThatIsMissingOnTheDriverIsOneLineUserError(@TempDir Path tmp) {
        assertThatThrownBy(() -> TraceShipment.of(Set.of(tmp.resolve("gone.cltrace"))))
                .isInstanceOf(UserError.class).hasMessageContaining("gone.cltrace: no such file");
    }

    private static TraceShipment roundTrip(TraceShipment t) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
            o.writeObject(t);
        }
        try (ObjectInputStream i = new ObjectInputStream(new ByteArrayInputStream(b.toByteArray()))) {
            return (TraceShipment) i.readObject();
        }
    }
}
