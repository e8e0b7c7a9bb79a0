using HpcAspire.SchemaRegistry.Compatibility;

namespace HpcAspire.SchemaRegistry.Storage;

/// <summary>
/// Subjects, their versions and the global schema ids, kept in memory and journalled to disk.
/// Every change is decided, journalled and applied under one lock, so concurrent registrations of
/// the same schema get the same id and no id is ever handed out twice.
/// </summary>
internal sealed partial class SchemaStore
{
    private readonly Lock gate = new();
    private readonly RegistryJournal journal;
    private readonly SchemaRegistryMetrics metrics;
    private readonly ILogger<SchemaStore> logger;

    private readonly Dictionary<int, ParsedSchema> schemasById = [];
    private readonly Dictionary<string, int> idsBySchema = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<SubjectVersion>> subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompatibilityLevel> subjectLevels = new(StringComparer.Ordinal);
    private CompatibilityLevel globalLevel = CompatibilityLevel.Backward;
    private int lastId;

    public SchemaStore(RegistryJournal journal, SchemaRegistryMetrics metrics, ILogger<SchemaStore> logger)
    {
        this.journal = journal;
        this.metrics = metrics;
        this.logger = logger;
        foreach (var entry in journal.Entries)
        {
            Apply(entry, parsed: null);
        }

        LogLoaded(schemasById.Count, subjects.Count, journal.FilePath);
    }

    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/> and returns its global id.</summary>
    public int Register(string subject, ParsedSchema schema)
    {
        lock (gate)
        {
            var versions = subjects.GetValueOrDefault(subject) ?? [];
            var live = versions.Where(v => !v.Deleted).ToList();
            var knownId = idsBySchema.GetValueOrDefault(schema.Canonical);
            if (knownId != 0 && live.Any(v => v.Id == knownId))
            {
                metrics.Registration("existing");
                return knownId;
            }

            var level = EffectiveLevel(subject);
            var problems = CompatibilityChecker.Check(level, schema.Avro,
                live.Select(v => (v.Version, schemasById[v.Id].Avro)).ToList());
            if (problems.Count > 0)
            {
                metrics.Registration("incompatible");
                LogRefused(subject, level.ToWireName(), problems.Count);
                throw SchemaRegistryErrors.Incompatible(subject, problems).AsException();
            }

            // Ids are global: a schema already known under another subject keeps its id.
            var id = knownId != 0 ? knownId : lastId + 1;
            var version = versions.Count == 0 ? 1 : versions[^1].Version + 1;
            Commit(new JournalEntry(JournalEntry.SchemaRegistered, subject, version, id, schema.Canonical), schema);
            metrics.Registration("new");
            LogRegistered(subject, version, id);
            return id;
        }
    }

    /// <summary>Finds which version of <paramref name="subject"/> <paramref name="schema"/> is.</summary>
    public SubjectSchema Lookup(string subject, ParsedSchema schema, bool includeDeleted)
    {
        lock (gate)
        {
            var visible = Visible(subject, includeDeleted);
            var match = idsBySchema.TryGetValue(schema.Canonical, out var id)
                ? visible.Where(v => v.Id == id).OrderBy(v => v.Deleted).ThenByDescending(v => v.Version).FirstOrDefault()
                : null;
            metrics.Lookup("schema", match is not null);
            return match is null
                ? throw SchemaRegistryErrors.SchemaNotFoundInSubject().AsException()
                : new SubjectSchema(subject, match.Version, id, schema.Canonical);
        }
    }

    public ParsedSchema GetById(int id)
    {
        lock (gate)
        {
            var found = schemasById.TryGetValue(id, out var schema);
            metrics.Lookup("id", found);
            return found ? schema! : throw SchemaRegistryErrors.SchemaNotFound(id).AsException();
        }
    }

    /// <summary>The subject versions that are schema <paramref name="id"/>.</summary>
    public IReadOnlyList<(string Subject, int Version)> VersionsOfSchema(int id, bool includeDeleted)
    {
        lock (gate)
        {
            if (!schemasById.ContainsKey(id))
            {
                throw SchemaRegistryErrors.SchemaNotFound(id).AsException();
            }

            return subjects
                .SelectMany(s => s.Value
                    .Where(v => v.Id == id && (includeDeleted || !v.Deleted))
                    .Select(v => (s.Key, v.Version)))
                .OrderBy(pair => pair.Key, StringComparer.Ordinal).ThenBy(pair => pair.Version)
                .ToList();
        }
    }

    public IReadOnlyList<string> Subjects(bool includeDeleted, string? prefix)
    {
        lock (gate)
        {
            return subjects
                .Where(s => (includeDeleted || s.Value.Any(v => !v.Deleted))
                    && (prefix is null || s.Key.StartsWith(prefix, StringComparison.Ordinal)))
                .Select(s => s.Key)
                .Order(StringComparer.Ordinal)
                .ToList();
        }
    }

    public IReadOnlyList<int> Versions(string subject, bool includeDeleted)
    {
        lock (gate)
        {
            return Visible(subject, includeDeleted).Select(v => v.Version).ToList();
        }
    }

    public SubjectSchema GetVersion(string subject, VersionSelector selector, bool includeDeleted)
    {
        lock (gate)
        {
            var visible = Visible(subject, includeDeleted);
            var match = selector.IsLatest
                ? visible.LastOrDefault(v => !v.Deleted) ?? visible[^1]
                : visible.FirstOrDefault(v => v.Version == selector.Number);
            metrics.Lookup("version", match is not null);
            return match is null
                ? throw SchemaRegistryErrors.VersionNotFound(selector.Number!.Value).AsException()
                : new SubjectSchema(subject, match.Version, match.Id, schemasById[match.Id].Canonical);
        }
    }

    /// <summary>Soft-deletes every version of <paramref name="subject"/>; ids stay resolvable.</summary>
    public IReadOnlyList<int> DeleteSubject(string subject)
    {
        lock (gate)
        {
            var deleted = Visible(subject, includeDeleted: false).Select(v => v.Version).ToList();
            Commit(new JournalEntry(JournalEntry.SubjectDeleted, subject), parsed: null);
            LogSubjectDeleted(subject, deleted.Count);
            return deleted;
        }
    }

    /// <summary>
    /// Why <paramref name="schema"/> could not be registered now; none when it could. With no
    /// <paramref name="version"/>, it is checked as a registration would be.
    /// </summary>
    public IReadOnlyList<string> CheckCompatibility(string subject, ParsedSchema schema, VersionSelector? version)
    {
        lock (gate)
        {
            var live = subjects.GetValueOrDefault(subject)?.Where(v => !v.Deleted).ToList() ?? [];
            if (version is { IsLatest: false } numbered)
            {
                if (live.Count == 0)
                {
                    throw SchemaRegistryErrors.SubjectNotFound(subject).AsException();
                }

                live = [live.Find(v => v.Version == numbered.Number)
                    ?? throw SchemaRegistryErrors.VersionNotFound(numbered.Number!.Value).AsException()];
            }
            else if (version is not null && live.Count > 0)
            {
                live = [live[^1]];
            }

            return CompatibilityChecker.Check(EffectiveLevel(subject), schema.Avro,
                live.Select(v => (v.Version, schemasById[v.Id].Avro)).ToList());
        }
    }

    public CompatibilityLevel GlobalLevel
    {
        get
        {
            lock (gate)
            {
                return globalLevel;
            }
        }
    }

    public CompatibilityLevel? SubjectLevel(string subject)
    {
        lock (gate)
        {
            return subjectLevels.TryGetValue(subject, out var level) ? level : null;
        }
    }

    /// <summary>Sets the level of <paramref name="subject"/>, or the global level when it is null.</summary>
    public void SetLevel(string? subject, CompatibilityLevel level)
    {
        lock (gate)
        {
            Commit(new JournalEntry(JournalEntry.CompatibilitySet, subject, Compatibility: level.ToWireName()), parsed: null);
            LogLevelSet(subject ?? "(global)", level.ToWireName());
        }
    }

    /// <summary>Removes the subject-level compatibility, so the global level applies again; returns the removed level.</summary>
    public CompatibilityLevel RemoveSubjectLevel(string subject)
    {
        lock (gate)
        {
            if (!subjectLevels.TryGetValue(subject, out var level))
            {
                throw SchemaRegistryErrors.SubjectLevelCompatibilityNotConfigured(subject).AsException();
            }

            Commit(new JournalEntry(JournalEntry.CompatibilityRemoved, subject), parsed: null);
            return level;
        }
    }

    private CompatibilityLevel EffectiveLevel(string subject) =>
        subjectLevels.TryGetValue(subject, out var level) ? level : globalLevel;

    /// <summary>The versions a client may see; a subject with none does not exist for it.</summary>
    private List<SubjectVersion> Visible(string subject, bool includeDeleted)
    {
        var visible = subjects.GetValueOrDefault(subject)?.Where(v => includeDeleted || !v.Deleted).ToList();
        return visible is { Count: > 0 } ? visible : throw SchemaRegistryErrors.SubjectNotFound(subject).AsException();
    }

    /// <summary>Journals the change first: memory only moves once the disk has it.</summary>
    private void Commit(JournalEntry entry, ParsedSchema? parsed)
    {
        try
        {
            journal.Append(entry);
        }
        catch (IOException e)
        {
            throw SchemaRegistryErrors.StoreError(e.Message).AsException();
        }

        Apply(entry, parsed);
    }

    private void Apply(JournalEntry entry, ParsedSchema? parsed)
    {
        switch (entry.Kind)
        {
            case JournalEntry.SchemaRegistered:
                var id = entry.Id!.Value;
                parsed ??= ParsedSchema.Parse(entry.Schema);
                schemasById.TryAdd(id, parsed);
                idsBySchema.TryAdd(parsed.Canonical, id);
                lastId = Math.Max(lastId, id);
                if (!subjects.TryGetValue(entry.Subject!, out var versions))
                {
                    subjects[entry.Subject!] = versions = [];
                }

                versions.Add(new SubjectVersion(entry.Version!.Value, id, Deleted: false));
                break;
            case JournalEntry.SubjectDeleted:
                var deleted = subjects[entry.Subject!];
                for (var i = 0; i < deleted.Count; i++)
                {
                    deleted[i] = deleted[i] with { Deleted = true };
                }

                break;
            case JournalEntry.CompatibilitySet:
                CompatibilityLevels.TryParse(entry.Compatibility, out var level);
                if (entry.Subject is null)
                {
                    globalLevel = level;
                }
                else
                {
                    subjectLevels[entry.Subject] = level;
                }

                break;
            case JournalEntry.CompatibilityRemoved:
                subjectLevels.Remove(entry.Subject!);
                break;
            default:
                throw new InvalidDataException($"Unknown journal entry kind '{entry.Kind}' in {journal.FilePath}");
        }
    }

    private sealed record SubjectVersion(int Version, int Id, bool Deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {SchemaCount} schemas in {SubjectCount} subjects from {JournalPath}")]
    private partial void LogLoaded(int schemaCount, int subjectCount, string journalPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered schema {SchemaId} as version {Version} of subject {Subject}")]
    private partial void LogRegistered(string subject, int version, int schemaId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a schema for subject {Subject}: {ProblemCount} {Compatibility} compatibility problems")]
    private partial void LogRefused(string subject, string compatibility, int problemCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Soft-deleted the {VersionCount} versions of subject {Subject}")]
    private partial void LogSubjectDeleted(string subject, int versionCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compatibility of {Subject} set to {Compatibility}")]
    private partial void LogLevelSet(string subject, string compatibility);
}
