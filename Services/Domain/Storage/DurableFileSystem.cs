using System.Runtime.InteropServices;

namespace HpcAspire.Domain.Storage;

/// <summary>
/// The fsyncs a crash-safe write needs beyond <see cref="FileStream.Flush(bool)"/>: a new or renamed
/// file survives a power cut only once its directory entry is synced too, and .NET cannot open a
/// directory, so this goes to libc.
/// </summary>
public static partial class DurableFileSystem
{
    private const int ReadOnly = 0;

    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals directory entries with the file; there is no directory fsync
        }

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Creates a directory and makes its entry durable in its parent.</summary>
    public static void CreateDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(directory))!;
        CreateDirectory(parent);
        Directory.CreateDirectory(directory);
        SyncDirectory(parent);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="contents"/> all or nothing: temp file, fsync, rename, fsync directory.</summary>
    public static void ReplaceAtomically(string path, ReadOnlySpan<byte> contents)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(contents);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
