using Avro;

namespace HpcAspire.SchemaRegistry.Compatibility;

/// <summary>
/// Decides whether a reader schema can read data written with a writer schema, following the
/// "Schema Resolution" section of the Avro specification.
/// </summary>
/// <remarks>
/// Apache.Avro's own <c>Schema.CanRead</c> is not used: in 1.12.2 it accepts a reader enum that
/// lacks symbols the writer may use, a reader union that lacks branches the writer may use and a
/// plain reader for a writer union, and it refuses the string-to-bytes promotion.
/// Named-type aliases are not honoured (Apache.Avro does not expose them); field aliases are.
/// </remarks>
internal static class SchemaResolution
{
    public static IReadOnlyList<Incompatibility> Check(Schema reader, Schema writer)
    {
        var resolution = new Resolution();
        resolution.Check(reader, writer, "");
        return resolution.Found;
    }

    private sealed class Resolution
    {
        // Record pairs being compared further up the stack. A recursive type meets itself again;
        // assuming the pair resolves there ends the descent, and any real difference is still
        // found on the way down.
        private readonly HashSet<(string Reader, string Writer)> _inProgress = [];

        public List<Incompatibility> Found { get; } = [];

        public void Check(Schema reader, Schema writer, string path)
        {
            // Logical types annotate their underlying type; resolution ignores them.
            reader = reader is LogicalSchema readerLogical ? readerLogical.BaseSchema : reader;
            writer = writer is LogicalSchema writerLogical ? writerLogical.BaseSchema : writer;

            if (writer is UnionSchema writerUnion)
            {
                // The data may have been written with any branch: the reader must handle each one.
                for (var i = 0; i < writerUnion.Count; i++)
                {
                    Check(reader, writerUnion.Schemas[i], $"{path}/{i}");
                }

                return;
            }

            if (reader is UnionSchema readerUnion)
            {
                if (!readerUnion.Schemas.Any(branch => Resolves(branch, writer, path)))
                {
                    Report(IncompatibilityType.MissingUnionBranch, path,
                        $"the reader {Describe(readerUnion)} has no branch that reads the writer {Describe(writer)}");
                }

                return;
            }

            if (reader.Tag != writer.Tag)
            {
                if (!IsPromotion(writer.Tag, reader.Tag))
                {
                    Report(IncompatibilityType.TypeMismatch, path,
                        $"the reader {Describe(reader)} cannot read the writer {Describe(writer)}");
                }

                return;
            }

            switch (reader)
            {
                case RecordSchema readerRecord:
                    CheckRecord(readerRecord, (RecordSchema)writer, path);
                    break;
                case EnumSchema readerEnum:
                    CheckEnum(readerEnum, (EnumSchema)writer, path);
                    break;
                case FixedSchema readerFixed:
                    CheckFixed(readerFixed, (FixedSchema)writer, path);
                    break;
                case ArraySchema readerArray:
                    Check(readerArray.ItemSchema, ((ArraySchema)writer).ItemSchema, $"{path}/items");
                    break;
                case MapSchema readerMap:
                    Check(readerMap.ValueSchema, ((MapSchema)writer).ValueSchema, $"{path}/values");
                    break;
                default:
                    // Primitives of the same type always resolve.
                    break;
            }
        }

        private void CheckRecord(RecordSchema reader, RecordSchema writer, string path)
        {
            if (!NamesMatch(reader, writer, path) || !_inProgress.Add((reader.Fullname, writer.Fullname)))
            {
                return;
            }

            for (var i = 0; i < reader.Fields.Count; i++)
            {
                var field = reader.Fields[i];
                var written = WrittenField(writer, field);
                if (written is not null)
                {
                    Check(field.Schema, written.Schema, $"{path}/fields/{i}/type");
                }
                else if (field.DefaultValue is null)
                {
                    // A JSON null default is a JToken of type Null, not a C# null: only a field
                    // without any "default" lands here.
                    Report(IncompatibilityType.ReaderFieldMissingDefaultValue, $"{path}/fields/{i}",
                        $"the reader field '{field.Name}' has no default value and is missing in the writer {Describe(writer)}");
                }
            }

            // Writer fields the reader does not name are skipped by the reader: nothing to check.
            _inProgress.Remove((reader.Fullname, writer.Fullname));
        }

        private void CheckEnum(EnumSchema reader, EnumSchema writer, string path)
        {
            if (!NamesMatch(reader, writer, path))
            {
                return;
            }

            var missing = writer.Symbols.Where(symbol => !reader.Contains(symbol)).ToList();
            if (missing.Count > 0 && reader.Default is null)
            {
                Report(IncompatibilityType.MissingEnumSymbols, $"{path}/symbols",
                    $"the reader {Describe(reader)} lacks the writer symbols [{string.Join(", ", missing)}] and has no default symbol");
            }
        }

        private void CheckFixed(FixedSchema reader, FixedSchema writer, string path)
        {
            if (NamesMatch(reader, writer, path) && reader.Size != writer.Size)
            {
                Report(IncompatibilityType.FixedSizeMismatch, $"{path}/size",
                    $"the reader {Describe(reader)} has size {reader.Size}, the writer has size {writer.Size}");
            }
        }

        private bool NamesMatch(NamedSchema reader, NamedSchema writer, string path)
        {
            // The specification compares unqualified names, so a namespace move alone is fine.
            if (reader.Name == writer.Name)
            {
                return true;
            }

            Report(IncompatibilityType.NameMismatch, $"{path}/name",
                $"the reader {Describe(reader)} does not match the writer {Describe(writer)}");
            return false;
        }

        private bool Resolves(Schema reader, Schema writer, string path)
        {
            var before = Found.Count;
            Check(reader, writer, path);
            var resolves = Found.Count == before;
            Found.RemoveRange(before, Found.Count - before);
            return resolves;
        }

        private void Report(IncompatibilityType type, string path, string description) =>
            Found.Add(new Incompatibility(type, path.Length == 0 ? "/" : path, description));
    }

    private static Field? WrittenField(RecordSchema writer, Field readerField)
    {
        if (writer.TryGetField(readerField.Name, out var field))
        {
            return field;
        }

        // A renamed field lists its old names as aliases.
        foreach (var alias in readerField.Aliases ?? [])
        {
            if (writer.TryGetField(alias, out field))
            {
                return field;
            }
        }

        return null;
    }

    private static bool IsPromotion(Schema.Type writer, Schema.Type reader) => (writer, reader) switch
    {
        (Schema.Type.Int, Schema.Type.Long or Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Long, Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Float, Schema.Type.Double) => true,
        (Schema.Type.String, Schema.Type.Bytes) => true,
        (Schema.Type.Bytes, Schema.Type.String) => true,
        _ => false,
    };

    private static string Describe(Schema schema) => schema switch
    {
        UnionSchema union => $"union [{string.Join(", ", union.Schemas.Select(Describe))}]",
        NamedSchema named => $"{Kind(schema.Tag)} '{named.Fullname}'",
        _ => $"type {Kind(schema.Tag)}",
    };

    private static string Kind(Schema.Type tag) =>
        tag == Schema.Type.Enumeration ? "enum" : tag.ToString().ToLowerInvariant();
}
