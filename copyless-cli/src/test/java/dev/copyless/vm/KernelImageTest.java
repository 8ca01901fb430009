package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KernelImage}: the payload of a bzImage by the boot protocol's fields, and the PVH note of an ELF. */
class KernelImageTest {

    /** A bzImage skeleton: setup_sects, HdrS, protocol version, payload offset and length, a payload with its size word. */
    static byte[] bzImage(int setupSects, int version, byte[] magic, int uncompressed) {
        int pm = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        int payloadOffset = 100;
        int payloadLen = magic.length + 20 + 4;
        byte[] b = new byte[pm + payloadOffset + payloadLen + 64];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        b[0x1F1] = (byte) setupSects;
        bb.putInt(0x202, 0x53726448);
        bb.putShort(0x206, (short) version);
        bb.putInt(0x248, payloadOffset);
        bb.putInt(0x24C, payloadLen);
        System.arraycopy(magic, 0, b, pm + payloadOffset, magic.length);
        bb.putInt(pm + payloadOffset + payloadLen - 4, uncompressed);
        return b;
    }

    @Test
    void payloadFromTheBootHeader() {
        byte[] zstd = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};
        KernelImage.Payload p = KernelImage.payload(bzImage(39, 0x20F, zstd, 57_647_116));
        assertThat(p.offset()).isEqualTo(40 * 512 + 100);
        assertThat(p.length()).isEqualTo(4 + 20);
        assertThat(p.compression()).isEqualTo(KernelImage.Compression.ZSTD);
        assertThat(p.uncompressedSize()).isEqualTo(57_647_116);
        assertThat(KernelImage.payload(bzImage(0, 0x20F, new byte[] {(byte) 0xFD, '7', 'z', 'X', 'Z', 0}, 1)).offset())
                .as("setup_sects 0 means 4").isEqualTo(5 * 512 + 100);
        assertThat(KernelImage.payload(bzImage(3, 0x20F, new byte[] {0x1F, (byte) 0x8B}, 1)).compression())
                .isEqualTo(KernelImage.Compression.GZIP);
    }

    @Test
    void notABzImageOrTooOld() {
        assertThatThrownBy(() -> KernelImage.payload(new byte[4096])).isInstanceOf(VmException.class).hasMessageContaining("HdrS");
        assertThatThrownBy(() -> KernelImage.payload(bzImage(3, 0x206, new byte[] {1}, 1))).isInstanceOf(VmException.class)
                .hasMessageContaining("2.08");
        byte[] b = bzImage(3, 0x20F, new byte[] {1}, 1);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0x24C, 1 << 30);
        assertThatThrownBy(() -> KernelImage.payload(b)).isInstanceOf(VmException.class).hasMessageContaining("outside");
    }

    /** One note: namesz, descsz, type, the name padded to 4, the descriptor padded to 4. */
    static byte[] note(String name, int type, int descBytes) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        int nl = (n.length + 3) & ~3;
        int dl = (descBytes + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(12 + nl + dl).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(n.length).putInt(descBytes).putInt(type).put(n);
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    @Test
    void thePvhNoteAmongOthers() {
        byte[] notes = concat(note("GNU", 3, 20), note("Xen", 6, 8), note("Xen", KernelImage.XEN_ELFNOTE_PHYS32_ENTRY, 8));
        assertThat(KernelImage.hasNote(notes, "Xen", 0x12)).isTrue();
        assertThat(KernelImage.hasNote(concat(note("GNU", 3, 20), note("Xen", 6, 8)), "Xen", 0x12)).isFalse();
        assertThat(KernelImage.hasNote(note("Linux", 0x12, 4), "Xen", 0x12)).as("owner matters").isFalse();
    }

    /** A minimal ELF64 file with one PT_NOTE segment holding {@code notes}. */
    static byte[] elf(byte[] notes) {
        int phoff = 64;
        int noteOff = phoff + 56;
        ByteBuffer b = ByteBuffer.allocate(noteOff + notes.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464C457F);
        b.put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putLong(0x20, phoff);
        b.putShort(0x36, (short) 56);
        b.putShort(0x38, (short) 1);
        b.putInt(phoff, 4); // PT_NOTE
        b.putLong(phoff + 0x08, noteOff);
        b.putLong(phoff + 0x20, notes.length);
        b.position(noteOff);
        b.put(notes);
        return b.array();
    }

    @Test
    void pvhEntryOfAnElfFile(@TempDir Path tmp) throws Exception {
        Path with = tmp.resolve("with");
        Files.write(with, elf(concat(note("Xen", 6, 8), note("Xen", 0x12, 8))));
        Path without = tmp.resolve("without");
        Files.write(without, elf(note("GNU", 3, 20)));
        Path junk = tmp.resolve("junk");
        Files.write(junk, new byte[100]);
        assertThat(KernelImage.hasPvhEntry(with)).isTrue();
        assertThat(KernelImage.hasPvhEntry(without)).isFalse();
        assertThat(KernelImage.hasPvhEntry(junk)).isFalse();
    }

    @Test
    void theCachedDebianKernelHasItsPvhEntry() throws Exception {
        Path current = VmAssets.defaultCache().resolve("linux/current");
        assumeTrue(Files.exists(current), "no kernel prepared in " + VmAssets.defaultCache() + " (copyless vm prepares one)");
        Path vmlinux = VmAssets.defaultCache().resolve("linux").resolve(Files.readString(current).strip()).resolve("vmlinux");
        assumeTrue(Files.exists(vmlinux), "no vmlinux in the cache");
        assertThat(KernelImage.hasPvhEntry(vmlinux)).isTrue();
    }
}
