defmodule Blog.App do
  @moduledoc """
  The blog's start module: `start/0` starts the test bridge, which answers the page's
  requests with `Blog.Api.handle/1`, and keeps the VM's start process alive.
  """

  @doc "Boots the blog in the browser VM. Never returns."
  @spec start() :: no_return()
  def start do
    PytestWasmblog.Bridge.start_and_wait(
      name: :main,
      allow: [
        Blog.Posts,
        Blog.Markdown,
        Blog.Slug,
        Blog.ReadingTime,
        Blog.FrontMatter,
        Blog.Api,
        Blog.ReadingList,
        PytestWasmblog.Terms,
        :lists,
        :erlang,
        Kernel,
        String,
        Enum
      ],
      handler: &Blog.Api.handle/1
    )
  end
end
