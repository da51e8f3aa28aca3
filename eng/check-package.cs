#:property GenerateDocumentationFile=true
#:property NoWarn=CS1591
// Checks that a packed Orum.Auth package holds what a NuGet user expects.
// Usage: dotnet run --file eng/check-package.cs -- <packages-dir> <package-id> [<package-id> ...]
using System.IO.Compression;
using System.Xml.Linq;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: check-package <packages-dir> <package-id> [<package-id> ...]");
    return 2;
}

var problems = new List<string>();
foreach (var id in args.Skip(1))
{
    var nupkg = Directory.GetFiles(args[0], $"{id}.*.nupkg")
        .SingleOrDefault(p => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(p), $@"^{System.Text.RegularExpressions.Regex.Escape(id)}\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.nupkg$"));
    if (nupkg is null)
    {
        problems.Add($"{id}: no {id}.<version>.nupkg in {args[0]}");
        continue;
    }

    var snupkg = Path.ChangeExtension(nupkg, ".snupkg");
    if (!File.Exists(snupkg))
    {
        problems.Add($"{id}: no symbols package {Path.GetFileName(snupkg)}");
    }
    else
    {
        using var symbols = ZipFile.OpenRead(snupkg);
        foreach (var tfm in new[] { "net8.0", "net10.0" })
        {
            Require(symbols.Entries.Any(e => e.FullName == $"lib/{tfm}/{id}.pdb"), $"{id}: symbols package lacks lib/{tfm}/{id}.pdb");
        }
    }

    using var zip = ZipFile.OpenRead(nupkg);
    var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
    foreach (var tfm in new[] { "net8.0", "net10.0" })
    {
        Require(names.Contains($"lib/{tfm}/{id}.dll"), $"{id}: lacks lib/{tfm}/{id}.dll");
        Require(names.Contains($"lib/{tfm}/{id}.xml"), $"{id}: lacks the XML docs lib/{tfm}/{id}.xml");
    }
    Require(names.Contains("README.md"), $"{id}: lacks README.md");

    var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
    using var stream = nuspecEntry.Open();
    var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    XElement? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);

    var license = Element("license");
    Require(license?.Attribute("type")?.Value == "expression" && license.Value == "Apache-2.0", $"{id}: license expression is not Apache-2.0");
    Require(Element("readme")?.Value == "README.md", $"{id}: README.md is not the package readme");
    var repository = Element("repository");
    Require(!string.IsNullOrEmpty(repository?.Attribute("url")?.Value), $"{id}: no repository url");
    Require(!string.IsNullOrEmpty(repository?.Attribute("commit")?.Value), $"{id}: no repository commit");
    Require(!string.IsNullOrWhiteSpace(Element("description")?.Value), $"{id}: no description");

    Console.WriteLine($"{Path.GetFileName(nupkg)}: {names.Count} entries checked");
}

foreach (var problem in problems)
{
    Console.Error.WriteLine(problem);
}
return problems.Count == 0 ? 0 : 1;

void Require(bool condition, string problem)
{
    if (!condition)
    {
        problems.Add(problem);
    }
}
