using HpcAspire.SchemaRegistry.Compatibility;

namespace HpcAspire.SchemaRegistry.Storage;

/// <summary>
/// Subjects, their versions and the global schema ids, kept in memory and journalled to disk.
/// Every change is decided, journalled and applied under one lock, so concurrent registrations of
/// the same schema get the same id and no id is ever handed out twice.
/// </summary>
internal sealed partial class SchemaStore
{
    private readonly Lock _gate = new();
    private readonly RegistryJournal _journal;
    private readonly SchemaRegistryMetrics _metrics;
    private readonly ILogger<SchemaStore> _logger;

    private readonly Dictionary<int, ParsedSchema> _schemasById = [];
    private readonly Dictionary<string, int> _idsBySchema = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<SubjectVersion>> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompatibilityLevel> _subjectLevels = new(StringComparer.Ordinal);
    private CompatibilityLevel _globalLevel = CompatibilityLevel.Backward;
    private int _lastId;

    public SchemaStore(RegistryJournal journal, SchemaRegistryMetrics metrics, ILogger<SchemaStore> logger)
    {
        this._journal = journal;
        this._metrics = metrics;
        this._logger = logger;
        foreach (var entry in journal.Entries)
        {
            Apply(entry, parsed: null);
        }

        LogLoaded(_schemasById.Count, _subjects.Count, journal.FilePath);
    }

    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/> and returns its global id.</summary>
    public int Register(string subject, ParsedSchema schema)
    {
        lock (_gate)
        {
            var versions = _subjects.GetValueOrDefault(subject) ?? [];
            var live = versions.Where(v => !v.Deleted).ToList();
            var knownId = _idsBySchema.GetValueOrDefault(schema.Canonical);
            if (knownId != 0 && live.Any(v => v.Id == knownId))
            {
                _metrics.Registration("existing");
                return knownId;
            }

            var level = EffectiveLevel(subject);
            var problems = CompatibilityChecker.Check(level, schema.Avro,
                live.Select(v => (v.Version, _schemasById[v.Id].Avro)).ToList());
            if (problems.Count > 0)
            {
                _metrics.Registration("incompatible");
                LogRefused(subject, level.ToWireName(), problems.Count);
                throw SchemaRegistryErrors.Incompatible(subject, problems).AsException();
            }

            // Ids are global: a schema already known under another subject keeps its id.
            var id = knownId != 0 ? knownId : _lastId + 1;
            var version = versions.Count == 0 ? 1 : versions[^1].Version + 1;
            Commit(new JournalEntry(JournalEntry.SchemaRegistered, subject, version, id, schema.Canonical), schema);
            _metrics.Registration("new");
            LogRegistered(subject, version, id);
            return id;
        }
    }

    /// <summary>Finds which version of <paramref name="subject"/> <paramref name="schema"/> is.</summary>
    public SubjectSchema Lookup(string subject, ParsedSchema schema, bool includeDeleted)
    {
        lock (_gate)
        {
            var visible = Visible(subject, includeDeleted);
            var match = _idsBySchema.TryGetValue(schema.Canonical, out var id)
                ? visible.Where(v => v.Id == id).OrderBy(v => v.Deleted).ThenByDescending(v => v.Version).FirstOrDefault()
                : null;
            _metrics.Lookup("schema", match is not null);
            return match is null
                ? throw SchemaRegistryErrors.SchemaNotFoundInSubject().AsException()
                : new SubjectSchema(subject, match.Version, id, schema.Canonical);
        }
    }

    public ParsedSchema GetById(int id)
    {
        lock (_gate)
        {
            var found = _schemasById.TryGetValue(id, out var schema);
            _metrics.Lookup("id", found);
            return found ? schema! : throw SchemaRegistryErrors.SchemaNotFound(id).AsException();
        }
    }

    /// <summary>The subject versions that are schema <paramref name="id"/>.</summary>
    public IReadOnlyList<(string Subject, int Version)> VersionsOfSchema(int id, bool includeDeleted)
    {
        lock (_gate)
        {
            if (!_schemasById.ContainsKey(id))
            {
                throw SchemaRegistryErrors.SchemaNotFound(id).AsException();
            }

            return _subjects
                .SelectMany(s => s.Value
                    .Where(v => v.Id == id && (includeDeleted || !v.Deleted))
                    .Select(v => (s.Key, v.Version)))
                .OrderBy(pair => pair.Key, StringComparer.Ordinal).ThenBy(pair => pair.Version)
                .ToList();
        }
    }

    public IReadOnlyList<string> Subjects(bool includeDeleted, string? prefix)
    {
        lock (_gate)
        {
            return _subjects
                .Where(s => (includeDeleted || s.Value.Any(v => !v.Deleted))
                    && (prefix is null || s.Key.StartsWith(prefix, StringComparison.Ordinal)))
                .Select(s => s.Key)
                .Order(StringComparer.Ordinal)
                .ToList();
        }
    }

    public IReadOnlyList<int> Versions(string subject, bool includeDeleted)
    {
        lock (_gate)
        {
            return Visible(subject, includeDeleted).Select(v => v.Version).ToList();
        }
    }

    public SubjectSchema GetVersion(string subject, VersionSelector selector, bool includeDeleted)
    {
        lock (_gate)
        {
            var visible = Visible(subject, includeDeleted);
            var match = selector.IsLatest
                ? visible.LastOrDefault(v => !v.Deleted) ?? visible[^1]
                : visible.FirstOrDefault(v => v.Version == selector.Number);
            _metrics.Lookup("version", match is not null);
            return match is null
                ? throw SchemaRegistryErrors.VersionNotFound(selector.Number!.Value).AsException()
                : new SubjectSchema(subject, match.Version, match.Id, _schemasById[match.Id].Canonical);
        }
    }

    /// <summary>Soft-deletes every version of <paramref name="subject"/>; ids stay resolvable.</summary>
    public IReadOnlyList<int> DeleteSubject(string subject)
    {
        lock (_gate)
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
        lock (_gate)
        {
            var live = _subjects.GetValueOrDefault(subject)?.Where(v => !v.Deleted).ToList() ?? [];
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
                live.Select(v => (v.Version, _schemasById[v.Id].Avro)).ToList());
        }
    }

    public CompatibilityLevel GlobalLevel
    {
        get
        {
            lock (_gate)
            {
                return _globalLevel;
            }
        }
    }

    public CompatibilityLevel? SubjectLevel(string subject)
    {
        lock (_gate)
        {
            return _subjectLevels.TryGetValue(subject, out var level) ? level : null;
        }
    }

    /// <summary>Sets the level of <paramref name="subject"/>, or the global level when it is null.</summary>
    public void SetLevel(string? subject, CompatibilityLevel level)
    {
        lock (_gate)
        {
            Commit(new JournalEntry(JournalEntry.CompatibilitySet, subject, Compatibility: level.ToWireName()), parsed: null);
            LogLevelSet(subject ?? "(global)", level.ToWireName());
        }
    }

    /// <summary>Removes the subject-level compatibility, so the global level applies again; returns the removed level.</summary>
    public CompatibilityLevel RemoveSubjectLevel(string subject)
    {
        lock (_gate)
        {
            if (!_subjectLevels.TryGetValue(subject, out var level))
            {
                throw SchemaRegistryErrors.SubjectLevelCompatibilityNotConfigured(subject).AsException();
            }

            Commit(new JournalEntry(JournalEntry.CompatibilityRemoved, subject), parsed: null);
            return level;
        }
    }

    private CompatibilityLevel EffectiveLevel(string subject) =>
        _subjectLevels.TryGetValue(subject, out var level) ? level : _globalLevel;

    /// <summary>The versions a client may see; a subject with none does not exist for it.</summary>
    private List<SubjectVersion> Visible(string subject, bool includeDeleted)
    {
        var visible = _subjects.GetValueOrDefault(subject)?.Where(v => includeDeleted || !v.Deleted).ToList();
        return visible is { Count: > 0 } ? visible : throw SchemaRegistryErrors.SubjectNotFound(subject).AsException();
    }

    /// <summary>Journals the change first: memory only moves once the disk has it.</summary>
    private void Commit(JournalEntry entry, ParsedSchema? parsed)
    {
        try
        {
            _journal.Append(entry);
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
                _schemasById.TryAdd(id, parsed);
                _idsBySchema.TryAdd(parsed.Canonical, id);
                _lastId = Math.Max(_lastId, id);
                if (!_subjects.TryGetValue(entry.Subject!, out var versions))
                {
                    _subjects[entry.Subject!] = versions = [];
                }

                versions.Add(new SubjectVersion(entry.Version!.Value, id, Deleted: false));
                break;
            case JournalEntry.SubjectDeleted:
                var deleted = _subjects[entry.Subject!];
                for (var i = 0; i < deleted.Count; i++)
                {
                    deleted[i] = deleted[i] with { Deleted = true };
                }

                break;
            case JournalEntry.CompatibilitySet:
                CompatibilityLevels.TryParse(entry.Compatibility, out var level);
                if (entry.Subject is null)
                {
                    _globalLevel = level;
                }
                else
                {
                    _subjectLevels[entry.Subject] = level;
                }

                break;
            case JournalEntry.CompatibilityRemoved:
                _subjectLevels.Remove(entry.Subject!);
                break;
            default:
                throw new InvalidDataException($"Unknown journal entry kind '{entry.Kind}' in {_journal.FilePath}");
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
