var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSchemaRegistry();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapSchemaRegistry();

app.Run();

public partial class Program;
