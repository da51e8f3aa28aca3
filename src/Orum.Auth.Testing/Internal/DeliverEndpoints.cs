using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orum.Auth.Testing.Internal;

/// <summary><c>GET /deliver/balance</c>, <c>GET /deliver/persons</c> and <c>POST /deliver/persons</c>, with Orum's documented shapes.</summary>
internal sealed class DeliverEndpoints(SandboxState state)
{
    /// <summary>12,500.00 USD, in integral cents as Orum reports amounts.</summary>
    internal const long AvailableCents = 1_250_000;

    private const int MaxPageSize = 500;
    private const string CustomerReferenceId = "customer_reference_id";
    private const string FirstName = "first_name";
    private const string LastName = "last_name";

    private static readonly string[] PersonFields = [CustomerReferenceId, FirstName, LastName];

    private readonly object _gate = new();
    private readonly List<Person> _persons = [];

    internal Task GetBalanceAsync(HttpContext context, CancellationToken cancellationToken) =>
        SandboxHttp.WriteJsonAsync(context, StatusCodes.Status200OK, SandboxHttp.Timestamp(state.TimeProvider.GetUtcNow()), static (writer, updatedAt) =>
        {
            writer.WriteStartObject();
            foreach (var name in (ReadOnlySpan<string>)["balance", "total_balance"])
            {
                writer.WriteStartObject(name);
                writer.WriteNumber("pending", 0);
                writer.WriteNumber("available", AvailableCents);
                writer.WriteString("currency", "USD");
                writer.WriteString("updated_at", updatedAt);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }, cancellationToken);

    internal async Task GetPersonsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!TryReadQueryInt(context.Request, "index", 0, int.MaxValue, 0, out var index))
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_index", "index must be an integer greater than or equal to 0", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!TryReadQueryInt(context.Request, "size", 0, MaxPageSize, 100, out var size))
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_size", "size must be an integer from 0 to 500", cancellationToken).ConfigureAwait(false);
            return;
        }

        Person[] page;
        lock (_gate)
        {
            var skip = (long)index * size;
            page = skip >= _persons.Count ? [] : [.. _persons.Skip((int)skip).Take(size)];
        }

        await SandboxHttp.WriteJsonAsync(context, StatusCodes.Status200OK, page, static (writer, persons) =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("persons");
            foreach (var person in persons)
            {
                WritePerson(writer, person);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false);
    }

    internal async Task PostPersonAsync(HttpContext context, CancellationToken cancellationToken)
    {
        using var body = context.Request.HasJsonContentType()
            ? await SandboxHttp.ReadJsonObjectAsync(context.Request, cancellationToken).ConfigureAwait(false)
            : null;
        if (body is null)
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, SandboxHttp.InvalidBody, "request body must be a JSON object (Content-Type: application/json)", cancellationToken).ConfigureAwait(false);
            return;
        }

        var values = new string[PersonFields.Length];
        for (var i = 0; i < PersonFields.Length; i++)
        {
            var field = PersonFields[i];
            var result = SandboxHttp.ReadRequiredString(body.RootElement, field, out values[i]);
            if (await SandboxHttp.TryRejectFieldAsync(context, result, field, $"{field} must be a string", cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }

        var person = new Person(Guid.NewGuid().ToString(), values[0], values[1], values[2], SandboxHttp.Timestamp(state.TimeProvider.GetUtcNow()));
        lock (_gate)
        {
            _persons.Add(person);
        }

        await SandboxHttp.WriteJsonAsync(context, StatusCodes.Status200OK, person, static (writer, created) =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("person");
            WritePerson(writer, created);
            writer.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void WritePerson(Utf8JsonWriter writer, Person person)
    {
        writer.WriteStartObject();
        writer.WriteString("id", person.Id);
        writer.WriteString(CustomerReferenceId, person.CustomerReferenceId);
        writer.WriteString(FirstName, person.FirstName);
        writer.WriteString(LastName, person.LastName);
        writer.WriteString("status", "created");
        writer.WriteString("created_at", person.CreatedAt);
        writer.WriteString("updated_at", person.CreatedAt);
        writer.WriteEndObject();
    }

    private static bool TryReadQueryInt(HttpRequest request, string name, int min, int max, int defaultValue, out int value)
    {
        var values = request.Query[name];
        if (values.Count == 0)
        {
            value = defaultValue;
            return true;
        }

        return int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out value) && values.Count == 1 && value >= min && value <= max;
    }

    private sealed record Person(string Id, string CustomerReferenceId, string FirstName, string LastName, string CreatedAt);
}
